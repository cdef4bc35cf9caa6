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


def _verifying_guard(committed: dict, held: dict) -> OffsetGuard:
    """A guard whose partitions hold records (a read_committed reader's view) only at the offsets in `held`."""
    async def read(topic: str, partition: int):
        return committed.get((topic, partition))

    async def records_between(topic: str, partition: int, start: int, end: int) -> list[int]:
        return [o for o in held.get((topic, partition), []) if start <= o < end]
    return OffsetGuard(read, records_between)


def test_a_skip_over_transaction_markers_or_deleted_records_goes_on() -> None:
    guard = _verifying_guard({("t", 0): 10}, {("t", 0): [10, 11, 15]})  # 12-14: a marker and an aborted pair
    for offset in (10, 11, 15):
        asyncio.run(guard.check("t", 0, offset))
    assert guard.skipped == 3
    asyncio.run(guard.check("t", 0, 40))  # 16-39 deleted by retention: nothing there now
    assert guard.skipped == 27


def test_a_skip_over_a_record_never_delivered_is_a_hole() -> None:
    guard = _verifying_guard({("t", 0): 10}, {("t", 0): [10, 12, 13]})
    asyncio.run(guard.check("t", 0, 10))
    with pytest.raises(OffsetGap, match="offset 13 delivered, 11 expected .1 records between, the first at 12"):
        asyncio.run(guard.check("t", 0, 13))


class Clock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def _rewinding_guard(committed: dict, held: dict, seeks: list, clock: Clock) -> OffsetGuard:
    """A verifying guard that records each seek back to a hole."""
    async def read(topic: str, partition: int):
        return committed.get((topic, partition))

    async def records_between(topic: str, partition: int, start: int, end: int) -> list[int]:
        return [o for o in held.get((topic, partition), []) if start <= o < end]

    async def rewind(topic: str, partition: int, offset: int) -> None:
        seeks.append((topic, partition, offset))
    return OffsetGuard(read, records_between, rewind, clock)


def test_a_hole_is_read_again_from_its_first_record_and_nothing_beyond_it_is_processed_meanwhile() -> None:
    seeks, clock = [], Clock()
    guard = _rewinding_guard({("t", 0): 10}, {("t", 0): [10, 12, 13, 14, 15]}, seeks, clock)  # 11: a marker
    processed = [o for o in (10, 14, 15) if asyncio.run(guard.check("t", 0, o))]
    assert processed == [10] and seeks == [("t", 0, 12)]  # one seek, to the first record missing
    clock.now_s = 1.5  # still beyond the hole a while later: the record was dropped again
    assert not asyncio.run(guard.check("t", 0, 16))
    assert seeks == [("t", 0, 12), ("t", 0, 12)]
    processed = [o for o in (12, 13, 14, 15, 16) if asyncio.run(guard.check("t", 0, o))]
    assert processed == [12, 13, 14, 15, 16] and guard.rewound == 2


def test_a_hole_that_seeking_never_fills_stops_the_worker() -> None:
    seeks, clock = [], Clock()
    guard = _rewinding_guard({("t", 0): 0}, {("t", 0): [0, 1]}, seeks, clock)
    with pytest.raises(OffsetGap, match="offset 0 still not delivered after 20 seeks"):
        for second in range(100):
            clock.now_s = float(second)
            asyncio.run(guard.check("t", 0, 5))
    assert len(seeks) == 20


def test_a_partition_sought_back_is_expected_from_there() -> None:
    seeks, clock = [], Clock()
    guard = _rewinding_guard({("t", 0): 10}, {("t", 0): list(range(10, 20))}, seeks, clock)
    assert asyncio.run(guard.check("t", 0, 10)) and asyncio.run(guard.check("t", 0, 11))
    guard.expect("t", 0, 11)  # the stall watch sought it back to its committed offset
    assert asyncio.run(guard.check("t", 0, 11)) and not seeks
