"""The reconciler's bookkeeping: commits held only where a manifest is in hand; overdue regions flagged once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from aiokafka import TopicPartition

from hub.domain.catalog import Catalog
from hub.domain.regions import REGION_CODES
from hub.services.reconciler import Reconciler, committable
from hub.settings import HubSettings

A, B = TopicPartition("manifests.kz-75", 0), TopicPartition("manifests.kz-71", 0)


def test_commits_stop_at_the_first_chunk_held_in_each_partition_only() -> None:
    positions = {A: 10, B: 7}
    assert committable(positions, {"m-75": [(A, 4), (A, 8)]}) == {A: 4, B: 7}
    assert committable(positions, {}) == positions


class Recording(Reconciler):
    def __init__(self, catalog: Catalog, now_ms: int) -> None:
        self.now_ms, self.sent = now_ms, []
        super().__init__(HubSettings(), codec=None, view=None, catalog=catalog, clock_ms=lambda: self.now_ms)

    async def notify(self, producer, notice) -> None:
        self.sent.append(notice)


def test_a_region_without_a_manifest_since_the_schedule_is_flagged_once_to_the_administering_unit() -> None:
    catalog = Catalog()
    catalog.put_passport({"code": "WANTED_PERSON", "version": 1, "active": True, "administering_unit": "MVD-DIT",
                          "reconciliation_schedule": "0 6 * * *", "reconciliation_deadline_days": 3})
    start = int(datetime(2026, 12, 1, tzinfo=timezone.utc).timestamp() * 1000)
    reconciler = Recording(catalog, start)
    reconciler.last_manifest_ms[("KZ-75", "WANTED_PERSON")] = start + 10 * 86_400_000  # KZ-75 sent one lately
    reconciler.now_ms = start + 6 * 86_400_000
    asyncio.run(reconciler.flag_overdue(None))
    flagged = {n["attributes"]["region"] for n in reconciler.sent}
    assert flagged == set(REGION_CODES) - {"KZ-75"}
    assert {n["recipient_unit"] for n in reconciler.sent} == {"MVD-DIT"}
    assert all(n["text_kk"] and n["text_ru"] and "3 days" in n["text_en"] for n in reconciler.sent)
    asyncio.run(reconciler.flag_overdue(None))
    assert len(reconciler.sent) == len(REGION_CODES) - 1  # once per scheduled fire
