"""Reconciliation of a regional register's manifest with the central register (item 9.10, pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Manifest:
    """A whole manifest: its header and every record id with the version the region holds."""

    header: dict[str, Any]
    entries: dict[str, int] = field(default_factory=dict)


class ManifestAssembly:
    """Collects manifest chunks until every chunk of a manifest has arrived (repeats are ignored)."""

    def __init__(self) -> None:
        """Start with nothing pending."""
        self._chunks: dict[str, dict[int, dict[str, Any]]] = {}

    @property
    def pending(self) -> set[str]:
        """Return the ids of manifests still missing chunks."""
        return set(self._chunks)

    def add(self, chunk: dict[str, Any]) -> Manifest | None:
        """Add a chunk; return the whole manifest when this chunk completes it."""
        chunks = self._chunks.setdefault(chunk["manifest_id"], {})
        chunks[chunk["chunk_index"]] = chunk
        if len(chunks) < chunk["chunk_count"]:
            return None
        del self._chunks[chunk["manifest_id"]]
        header = {k: v for k, v in chunk.items() if k not in ("entries", "chunk_index")}
        manifest = Manifest(header)
        for part in chunks.values():
            manifest.entries.update((e["record_id"], e["version"]) for e in part["entries"])
        return manifest


def differences(regional: dict[str, int], central: dict[str, int]) -> list[dict[str, Any]]:
    """Return every difference between the region's live records and the central live ones (id -> version)."""
    found = []
    for record_id in sorted(regional.keys() | central.keys()):
        here, there = regional.get(record_id), central.get(record_id)
        if here == there:
            continue
        kind = ("MISSING_IN_CENTRAL" if there is None else "EXTRA_IN_CENTRAL" if here is None
                else "VERSION_DIFFERS")
        found.append({"record_id": record_id, "kind": kind, "regional_version": here, "central_version": there})
    return found


def report(manifest: Manifest, central: dict[str, int], now_ms: int) -> dict[str, Any]:
    """Return the ReconciliationReport of a manifest against the central live records of its region and type."""
    header = manifest.header
    digest = hashlib.sha256(header["manifest_id"].encode()).hexdigest()[:32]
    return {
        "report_id": f"rcn-{digest}", "manifest_id": header["manifest_id"], "region": header["region"],
        "record_type": header["record_type"], "responsible_unit": header["unit"],
        "as_of_sequence": header["as_of_sequence"], "compared_at": now_ms,
        "regional_count": len(manifest.entries), "central_count": len(central),
        "differences": differences(manifest.entries, central),
    }


def report_notice(value: dict[str, Any]) -> dict[str, Any]:
    """Return the notification that tells the responsible unit what reconciliation found."""
    counts = {kind: sum(d["kind"] == kind for d in value["differences"])
              for kind in ("MISSING_IN_CENTRAL", "EXTRA_IN_CENTRAL", "VERSION_DIFFERS")}
    missing, extra, version = counts.values()
    what = f"{value['region']} / {value['record_type']}"
    return {
        "notification_id": f"ntf-{value['report_id']}", "recipient_unit": value["responsible_unit"],
        "kind": "RECONCILIATION_REPORT", "created_at": value["compared_at"], "check_id": None,
        "record_id": None, "event_id": None,
        "title_kk": "Салыстыру нәтижесі", "title_ru": "Результат сверки", "title_en": "Reconciliation result",
        "text_kk": f"{what}: өңірде {value['regional_count']}, орталықта {value['central_count']} жазба. "
                   f"Орталықта жоқ: {missing}, артық: {extra}, нұсқасы өзгеше: {version}.",
        "text_ru": f"{what}: в регионе {value['regional_count']}, в центре {value['central_count']} записей. "
                   f"Нет в центре: {missing}, лишние: {extra}, расходится версия: {version}.",
        "text_en": f"{what}: {value['regional_count']} records in the region, {value['central_count']} "
                   f"centrally. Missing centrally: {missing}, extra: {extra}, version differs: {version}.",
        "attributes": {"manifest_id": value["manifest_id"], "report_id": value["report_id"],
                       **{k.lower(): str(v) for k, v in counts.items()}},
    }
