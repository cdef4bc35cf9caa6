"""The offset guard: no message may be processed beyond one that was never delivered."""

from __future__ import annotations

import asyncio

import pytest

from hub.services.offset_guard import OffsetGap, OffsetGuard


def _guard(committed: dict) -> OffsetGuard:
    async def read(topic: str, partition: int):
        return committed.get((topic, partition))
    return OffsetGuard(read)


def test_processing_starts_at_the_committed_offset_and_goes_on_without_holes() -> None:
    guard = _guard({("t", 0): 10})
    for offset in (8, 9, 10, 11, 12):  # replays below the committed offset are fine
        asyncio.run(guard.check("t", 0, offset))
    with pytest.raises(OffsetGap, match="offset 14 delivered, 13 expected"):
        asyncio.run(guard.check("t", 0, 14))


def test_a_hole_at_the_head_is_caught_even_of_one_message() -> None:
    with pytest.raises(OffsetGap):
        asyncio.run(_guard({("t", 1): 5}).check("t", 1, 6))


def test_a_partition_never_committed_starts_anywhere_and_a_rebalance_asks_again() -> None:
    committed = {}
    guard = _guard(committed)
    asyncio.run(guard.check("t", 0, 3))
    committed[("t", 0)] = 20
    guard.reset()
    with pytest.raises(OffsetGap):
        asyncio.run(guard.check("t", 0, 21))
