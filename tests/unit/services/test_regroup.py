"""How the regrouping stage cuts a partition's records into runs, without a broker."""

from __future__ import annotations

from collections import namedtuple

from hypothesis import given
from hypothesis import strategies as st

from hub.services.regroup import RUN_OVERHEAD_BYTES, run_value, runs

Record = namedtuple("Record", "offset timestamp value")


def _records(sizes: list[int]) -> list[Record]:
    return [Record(10 + n, 1_000 + n, None if size == 0 else bytes(size)) for n, size in enumerate(sizes)]


@given(st.lists(st.integers(0, 3_000), max_size=60), st.integers(64, 4_000))
def test_runs_keep_every_record_in_order_and_within_the_limit(sizes: list[int], limit: int) -> None:
    records = _records(sizes)
    found = runs(records, limit)
    assert [r for run in found for r in run] == records
    assert all(run for run in found)
    for run in found:
        size = sum(len(r.value or b"") + RUN_OVERHEAD_BYTES for r in run)
        assert size <= limit or len(run) == 1  # only a record larger than the limit goes over it, alone


def test_small_records_share_a_run_and_a_large_one_goes_alone() -> None:
    records = _records([100, 100, 5_000, 100])
    assert [len(run) for run in runs(records, 1_000)] == [2, 1, 1]


def test_a_run_value_carries_offsets_timestamps_and_bytes_as_read() -> None:
    records = _records([3, 0])
    assert run_value("hub.events.kz-75", 4, records) == {
        "source_topic": "hub.events.kz-75", "source_partition": 4,
        "messages": [{"offset": 10, "timestamp_ms": 1_000, "value": bytes(3)},
                     {"offset": 11, "timestamp_ms": 1_001, "value": None}]}
