"""When a reconciliation schedule last fired, and when a region's manifest is overdue (no broker)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hub.domain.reconcile import ManifestAssembly, overdue_since
from hub.domain.schedule import ScheduleError, previous_fire_ms
from tests.samples import MANIFEST


def ms(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=timezone.utc).timestamp() * 1000)


@pytest.mark.parametrize("cron, at, fired", [
    ("0 6 * * *", ms(2026, 12, 6, 5, 59), ms(2026, 12, 5, 6, 0)),    # daily at 06:00, just before today's
    ("0 6 * * *", ms(2026, 12, 6, 6, 0), ms(2026, 12, 6, 6, 0)),     # at the very minute
    ("0 5 * * 1", ms(2026, 12, 6, 12, 0), ms(2026, 11, 30, 5, 0)),   # Mondays (2026-12-06 is a Sunday)
    ("0 6 1 * *", ms(2026, 12, 6, 12, 0), ms(2026, 12, 1, 6, 0)),    # the first of the month
    ("0 6 1 * *", ms(2026, 12, 1, 5, 0), ms(2026, 11, 1, 6, 0)),
    ("*/15 9-17 * * 1-5", ms(2026, 12, 7, 9, 20), ms(2026, 12, 7, 9, 15)),
    ("0 0 * * 0", ms(2026, 12, 6, 1, 0), ms(2026, 12, 6, 0, 0)),     # Sunday as 0
    ("0 0 29 2 *", ms(2026, 12, 6), ms(2024, 2, 29)),                # leap days only
])
def test_previous_fire(cron: str, at: int, fired: int) -> None:
    assert previous_fire_ms(cron, at) == fired


@pytest.mark.parametrize("cron", ["0 6 * *", "61 * * * *", "0 6 * * 8", "a b c d e", "0 6 0 * *"])
def test_unreadable_schedules_are_refused(cron: str) -> None:
    with pytest.raises(ScheduleError):
        previous_fire_ms(cron, ms(2026, 12, 6))


def test_a_manifest_is_overdue_once_its_deadline_passed_with_none_since_the_fire() -> None:
    daily, now = "0 6 * * *", ms(2026, 12, 6, 12, 0)
    # the fire whose 3-day deadline has passed is 2026-12-03 06:00
    assert overdue_since(daily, 3, last_manifest_ms=ms(2026, 12, 3, 5, 0), now_ms=now) == ms(2026, 12, 3, 6, 0)
    assert overdue_since(daily, 3, last_manifest_ms=ms(2026, 12, 3, 7, 0), now_ms=now) is None
    assert overdue_since(daily, 3, last_manifest_ms=ms(2026, 12, 3, 5, 0), now_ms=ms(2026, 12, 6, 5, 0)) is None


def test_an_incomplete_manifest_is_given_up_after_its_timeout_with_what_came() -> None:
    assembly = ManifestAssembly()
    assert assembly.add({**MANIFEST, "manifest_id": "m", "chunk_count": 3, "chunk_index": 1}, now_ms=1_000) is None
    assert assembly.add({**MANIFEST, "manifest_id": "m", "chunk_count": 3, "chunk_index": 0}, now_ms=5_000) is None
    assert assembly.give_up(now_ms=60_999, timeout_ms=60_000) == []
    [given_up] = assembly.give_up(now_ms=61_000, timeout_ms=60_000)
    assert given_up.received == [0, 1] and given_up.since_ms == 1_000 and given_up.header["chunk_count"] == 3
    assert assembly.pending == set()
