"""How the regrouping stage cuts a partition's records into runs and forwards them, without a broker."""

from __future__ import annotations

import asyncio
from collections import namedtuple

from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError
from hypothesis import given
from hypothesis import strategies as st

from hub.kafka.topics import EVENTS, REGROUPED, REJECTED
from hub.sensors import Sensor
from hub.services.regroup import (
    MAX_RUN_MESSAGE_BYTES,
    OVERSIZED_KEPT_BYTES,
    RUN_OVERHEAD_BYTES,
    Regrouper,
    run_value,
    runs,
)

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


class _Producer:
    """Collects what is sent, each send acknowledged at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, int | None]] = []

    async def send(self, topic: str, value: bytes, key: bytes, partition: int | None = None):
        self.sent.append((topic, value, key, partition))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def test_forwarding_writes_runs_to_the_same_partition_and_refuses_a_message_too_large(settings, codec) -> None:
    regrouper = Regrouper(settings, codec, Sensor())
    huge = MAX_RUN_MESSAGE_BYTES + 1
    records = [Record(5, 1, b"a"), Record(6, 2, bytes(huge)), Record(7, 3, b"b")]
    tp = TopicPartition(EVENTS.name(settings, "KZ-75"), 3)
    producer = _Producer()

    offsets = asyncio.run(regrouper.forward(producer, {tp: records}))

    assert offsets == {tp: 8}
    topics = [topic for topic, *_ in producer.sent]
    assert topics == [REGROUPED.name(settings), REJECTED.name(settings), REGROUPED.name(settings)]
    first, last = (codec.decode(producer.sent[i][1], expect="EventRun").value for i in (0, 2))
    assert [m["offset"] for m in first["messages"] + last["messages"]] == [5, 7]
    assert {producer.sent[i][3] for i in (0, 2)} == {3}
    rejection = codec.decode(producer.sent[1][1], expect="Rejection").value
    assert (rejection["source_topic"], rejection["source_offset"], rejection["reason_code"]) == (tp.topic, 6, "OTHER")
    assert len(rejection["original"]) == OVERSIZED_KEPT_BYTES and str(huge) in rejection["reason_en"]


class _Consumer:
    """What the stall watch asks of aiokafka's consumer: the partitions owned and their ends (or a failure)."""

    def __init__(self, ends: dict[TopicPartition, int], failing: bool = False) -> None:
        self.ends, self.failing = ends, failing

    def assignment(self) -> set[TopicPartition]:
        return set(self.ends)

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        if self.failing:
            raise KafkaConnectionError("the broker is away")
        return {tp: self.ends[tp] for tp in partitions}


def test_a_partition_carried_no_further_while_records_wait_is_called_stalled_at_the_limit(settings, codec) -> None:
    regrouper = Regrouper(settings.model_copy(update={"partition_stall_restart_s": 60.0}), codec, Sensor())
    stuck, moving, idle = (TopicPartition(EVENTS.name(settings, "KZ-75"), n) for n in (0, 1, 2))
    ends = {stuck: 500, moving: 500, idle: 300}
    regrouper.positions.update({stuck: 100, moving: 100, idle: 300})  # idle: carried to its end
    found = []
    for second in range(0, 125, 5):
        regrouper.positions[moving] += 1
        ends[moving] += 1
        found.append((second, regrouper.stalled(dict(ends), float(second))))
    assert [second for second, stalled in found if stalled] == [s for s in range(60, 125, 5)]
    assert all(stalled == [stuck] for _, stalled in found if stalled)


class _Offsets:
    """What the stall watch asks of GroupStartOffsets: which offsets past the carried one hold records."""

    def __init__(self, waiting: list[int]) -> None:
        self.waiting = waiting

    async def records_between(self, topic: str, partition: int, start: int, end: int) -> list[int]:
        return [offset for offset in self.waiting if start <= offset < end]


def _watched(settings, codec, monkeypatch, consumer: _Consumer, waiting: list[int] = (7, 8)) -> list[BaseException]:
    """Run the stall watch (limit 10 ms, a look every 20 ms) over a partition carried to 7 for half a second,
    records waiting at the offsets `waiting`."""
    monkeypatch.setattr("hub.services.regroup.LAG_INTERVAL_S", 0.02)
    regrouper = Regrouper(settings.model_copy(update={"partition_stall_restart_s": 0.01}), codec, Sensor())
    regrouper.offsets = _Offsets(list(waiting))
    regrouper.positions[TopicPartition(EVENTS.name(settings, "KZ-75"), 0)] = 7
    reported: list[BaseException] = []

    async def watch() -> None:
        try:
            await asyncio.wait_for(regrouper.watch_stalls(consumer, reported.append), timeout=0.5)
        except asyncio.TimeoutError:
            pass

    asyncio.run(watch())
    return reported


def test_a_stall_watch_reports_the_stall_and_ends(settings, codec, monkeypatch) -> None:
    reported = _watched(settings, codec, monkeypatch, _Consumer({TopicPartition(EVENTS.name(settings, "KZ-75"), 0): 9}))
    assert [type(e).__name__ for e in reported] == ["StalledError"]
    assert "[0] at 7 of 9" in str(reported[0])


def test_a_broker_that_cannot_say_the_ends_is_not_the_stages_stall(settings, codec, monkeypatch) -> None:
    tp = TopicPartition(EVENTS.name(settings, "KZ-75"), 0)
    assert _watched(settings, codec, monkeypatch, _Consumer({tp: 9}, failing=True)) == []


def test_a_transactions_marker_alone_past_what_was_carried_is_not_a_stall(settings, codec, monkeypatch) -> None:
    tp = TopicPartition(EVENTS.name(settings, "KZ-75"), 0)
    assert _watched(settings, codec, monkeypatch, _Consumer({tp: 8}), waiting=[]) == []  # offset 7: a marker
