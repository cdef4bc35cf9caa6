"""Reconciliation of a regional register's manifest with the central register (item 9.10, pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from hub.domain.schedule import previous_fire_ms


@dataclass
class Manifest:
    """A whole manifest: its header and every record id with the version the region holds."""

    header: dict[str, Any]
    entries: dict[str, int] = field(default_factory=dict)


class ManifestAssembly:
    """Collects manifest chunks until every chunk of a manifest has arrived (repeats are ignored); a manifest
    that stays incomplete too long is given up."""

    def __init__(self) -> None:
        """Start with nothing pending."""
        self._chunks: dict[str, dict[int, dict[str, Any]]] = {}
        self._since_ms: dict[str, int] = {}

    @property
    def pending(self) -> set[str]:
        """Return the ids of manifests still missing chunks."""
        return set(self._chunks)

    def add(self, chunk: dict[str, Any], now_ms: int = 0) -> Manifest | None:
        """Add a chunk; return the whole manifest when this chunk completes it."""
        chunks = self._chunks.setdefault(chunk["manifest_id"], {})
        self._since_ms.setdefault(chunk["manifest_id"], now_ms)
        chunks[chunk["chunk_index"]] = chunk
        if len(chunks) < chunk["chunk_count"]:
            return None
        del self._chunks[chunk["manifest_id"]], self._since_ms[chunk["manifest_id"]]
        header = {k: v for k, v in chunk.items() if k not in ("entries", "chunk_index")}
        manifest = Manifest(header)
        for part in chunks.values():
            manifest.entries.update((e["record_id"], e["version"]) for e in part["entries"])
        return manifest

    def give_up(self, now_ms: int, timeout_ms: int) -> list[Incomplete]:
        """Forget the manifests whose first chunk came timeout_ms or more ago; return what each had."""
        late = [m for m, since in self._since_ms.items() if now_ms - since >= timeout_ms]
        given_up = []
        for manifest_id in late:
            chunks = self._chunks.pop(manifest_id)
            since = self._since_ms.pop(manifest_id)
            some = next(iter(chunks.values()))
            header = {k: v for k, v in some.items() if k not in ("entries", "chunk_index")}
            given_up.append(Incomplete(header, sorted(chunks), since))
        return given_up


@dataclass
class Incomplete:
    """A manifest given up: its header, the chunks that came, and when the first did."""

    header: dict[str, Any]
    received: list[int]
    since_ms: int


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


def _notice(notice_id: str, unit: str, now_ms: int, titles: tuple[str, str, str], texts: tuple[str, str, str],
            attributes: dict[str, str]) -> dict[str, Any]:
    digest = hashlib.sha256(notice_id.encode()).hexdigest()[:32]
    return {"notification_id": f"ntf-rcn-{digest}", "recipient_unit": unit, "kind": "RECONCILIATION_REPORT",
            "created_at": now_ms, "check_id": None, "record_id": None, "event_id": None,
            **dict(zip(("title_kk", "title_ru", "title_en"), titles)),
            **dict(zip(("text_kk", "text_ru", "text_en"), texts)), "attributes": attributes}


def incomplete_notice(incomplete: Incomplete, now_ms: int) -> dict[str, Any]:
    """Return the notice telling the unit that its manifest stayed incomplete and was not reconciled."""
    header, got = incomplete.header, len(incomplete.received)
    of, manifest_id = header["chunk_count"], header["manifest_id"]
    return _notice(f"incomplete/{manifest_id}", header["unit"], now_ms,
                   ("Салыстыру жүргізілмеді", "Сверка не проведена", "Reconciliation not made"),
                   (f"{manifest_id} тізімдемесінің {of} бөлігінің тек {got} бөлігі келді; тізімдемені қайта жіберіңіз.",
                    f"Из {of} частей манифеста {manifest_id} пришло только {got}; отправьте манифест заново.",
                    f"Only {got} of the {of} chunks of manifest {manifest_id} arrived; send the manifest again."),
                   {"manifest_id": manifest_id, "status": "INCOMPLETE", "chunks_received": str(got),
                    "chunk_count": str(of)})


def hub_behind_notice(header: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Return the notice telling the unit that its manifest was not compared: the hub had not yet applied
    the region's events."""
    manifest_id = header["manifest_id"]
    return _notice(f"behind/{manifest_id}", header["unit"], now_ms,
                   ("Салыстыру кейінге қалдырылды", "Сверка отложена", "Reconciliation postponed"),
                   (f"{manifest_id}: орталық есеп өңірдің оқиғаларын әлі өңдеп үлгермеді; тізімдемені кейінірек "
                    f"қайта жіберіңіз.",
                    f"{manifest_id}: центральный учёт ещё не применил события региона; отправьте манифест позже.",
                    f"{manifest_id}: the central register has not yet applied the region's events; send the "
                    f"manifest again later."),
                   {"manifest_id": manifest_id, "status": "HUB_BEHIND"})


def overdue_notice(region: str, record_type: str, unit: str, fired_ms: int, deadline_days: int,
                   now_ms: int) -> dict[str, Any]:
    """Return the notice that a region's manifest of a record type is overdue by its passport's schedule."""
    what = f"{region} / {record_type}"
    return _notice(f"overdue/{region}/{record_type}/{fired_ms}", unit, now_ms,
                   ("Салыстыру мерзімі өтті", "Срок сверки истёк", "Reconciliation overdue"),
                   (f"{what}: кестедегі салыстырудан кейін {deadline_days} күн ішінде тізімдеме келмеді.",
                    f"{what}: манифест не поступил в течение {deadline_days} дней после сверки по графику.",
                    f"{what}: no manifest arrived within {deadline_days} days of the scheduled reconciliation."),
                   {"region": region, "record_type": record_type, "status": "OVERDUE",
                    "scheduled_at_ms": str(fired_ms)})


def overdue_since(cron: str, deadline_days: int, last_manifest_ms: int, now_ms: int) -> int | None:
    """Return when the schedule fired for a manifest now overdue (its deadline passed, none came since it
    fired), or None."""
    fired = previous_fire_ms(cron, now_ms - deadline_days * 86_400_000)
    return fired if fired is not None and last_manifest_ms < fired else None
