"""Reconciliation of manifests with the central register (item 9.10), without a broker."""

from __future__ import annotations

from hub.domain.reconcile import ManifestAssembly, differences, report, report_notice
from tests.samples import MANIFEST, NOW_MS


def _chunk(index: int, count: int, entries: list[tuple[str, int]]) -> dict:
    return {**MANIFEST, "manifest_id": "m-1", "chunk_index": index, "chunk_count": count,
            "entries": [{"record_id": r, "version": v} for r, v in entries]}


def test_a_manifest_is_whole_only_when_every_chunk_arrived_in_any_order_with_repeats() -> None:
    assembly = ManifestAssembly()
    assert assembly.add(_chunk(1, 3, [("b", 1)])) is None
    assert assembly.add(_chunk(1, 3, [("b", 1)])) is None  # a replayed chunk
    assert assembly.add(_chunk(0, 3, [("a", 2)])) is None and assembly.pending == {"m-1"}
    manifest = assembly.add(_chunk(2, 3, [("c", 1)]))
    assert manifest.entries == {"a": 2, "b": 1, "c": 1} and not assembly.pending


def test_every_kind_of_difference_is_found() -> None:
    found = differences({"same": 2, "missing": 1, "older": 1}, {"same": 2, "older": 3, "extra": 1})
    assert [(d["record_id"], d["kind"], d["regional_version"], d["central_version"]) for d in found] == [
        ("extra", "EXTRA_IN_CENTRAL", None, 1), ("missing", "MISSING_IN_CENTRAL", 1, None),
        ("older", "VERSION_DIFFERS", 1, 3)]


def test_the_report_has_a_deterministic_id_and_the_notice_counts_in_three_languages() -> None:
    manifest = ManifestAssembly().add(_chunk(0, 1, [("a", 1), ("b", 1)]))
    first, again = report(manifest, {"a": 1}, NOW_MS), report(manifest, {"a": 1}, NOW_MS + 5)
    assert first["report_id"] == again["report_id"] and first["regional_count"] == 2
    notice = report_notice(first)
    assert notice["recipient_unit"] == MANIFEST["unit"] and notice["kind"] == "RECONCILIATION_REPORT"
    assert "Нет в центре: 1" in notice["text_ru"] and "Орталықта жоқ: 1" in notice["text_kk"]
