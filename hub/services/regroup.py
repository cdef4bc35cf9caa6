"""Carries the regional events topics to the aggregator as runs: one message per run of a partition's messages.

A Java, .NET or Kafka Connect producer sends one event per message, and Faust's path for each
message costs several times what applying the event does. This stage reads the events topics with
aiokafka in a consumer group of its own and writes each partition's run of consecutive messages,
as they were read (offsets, timestamps, bytes), as one `EventRun` to the same partition of the
regrouped topic, which the aggregator reads instead. Order: one partition's runs are written in
offset order by an idempotent producer, so a record's events (one key, one partition) keep theirs.
At least once: offsets are committed only once the broker has every run carrying their messages,
and a revocation waits for the runs in flight, so a run is written again only after a crash or a
failed commit, and the aggregator applies a repeated event as a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Sequence

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from hub.codec import AvroCodec
from hub.kafka.admin import admin_client, partition_numbers
from hub.kafka.connection import make_consumer
from hub.kafka.producer import make_producer
from hub.kafka.topics import EVENTS, REGROUPED, REGROUPED_MAX_MESSAGE_BYTES, regroup_group
from hub.sensors import Sensor
from hub.settings import HubSettings

log = logging.getLogger(__name__)

MAX_RUN_BYTES = 512 * 1024  # of original values in one run (a larger original goes alone)
MAX_RECORDS_PER_FETCH = 10_000
FETCH_TIMEOUT_MS = 500
LAG_INTERVAL_S = 5.0
RUN_OVERHEAD_BYTES = 32  # per original: its offset, timestamp and lengths


def runs(records: Sequence[Any], max_bytes: int = MAX_RUN_BYTES) -> list[list[Any]]:
    """Split one partition's records (each with a `value`), in order, into runs of at most max_bytes of values
    and their overhead; a record larger than that is a run of its own."""
    found: list[list[Any]] = []
    current: list[Any] = []
    size = 0
    for record in records:
        cost = len(record.value or b"") + RUN_OVERHEAD_BYTES
        if current and size + cost > max_bytes:
            found.append(current)
            current, size = [], 0
        current.append(record)
        size += cost
    if current:
        found.append(current)
    return found


def run_value(topic: str, partition: int, records: Sequence[Any]) -> dict[str, Any]:
    """Return the EventRun of some records of one partition of an events topic."""
    return {"source_topic": topic, "source_partition": partition,
            "messages": [{"offset": r.offset, "timestamp_ms": r.timestamp, "value": r.value} for r in records]}


class Regrouper:
    """Reads every events topic as group '<app id>-regroup' and writes runs to the regrouped topic."""

    def __init__(self, settings: HubSettings, codec: AvroCodec, sensor: Sensor) -> None:
        """Carry the settings' events topics into their regrouped topic."""
        self.settings, self.codec, self.sensor = settings, codec, sensor
        self.topic = REGROUPED.name(settings)
        self.group = regroup_group(settings)
        self.forwarded = 0
        self.positions: dict[TopicPartition, int] = {}
        self._lock = asyncio.Lock()  # held while runs are on their way: a revocation waits for them
        self._partitions = settings.partitions
        self._consumer = None

    async def run(self) -> None:
        """Carry runs forever (until cancelled); a failed write raises, and a restart carries them again."""
        consumer = self._consumer = make_consumer(self.settings, group_id=self.group, enable_auto_commit=False,
                                                  auto_offset_reset="earliest")
        # Uncompressed: compressing every run again cost a tenth of the aggregator's CPU on batches.
        producer = make_producer(self.settings, linger_ms=0, max_batch_size=2 * MAX_RUN_BYTES,
                                 max_request_size=REGROUPED_MAX_MESSAGE_BYTES, compression_type=None)
        await producer.start()
        try:
            await consumer.start()
            self._partitions = await self._partition_count()
            consumer.subscribe(EVENTS.names(self.settings), listener=_Listener(self))
            lag_at_s = time.monotonic()
            while True:
                fetched = await consumer.getmany(timeout_ms=FETCH_TIMEOUT_MS, max_records=MAX_RECORDS_PER_FETCH)
                if fetched:
                    async with self._lock:
                        owned = consumer.assignment()  # a revocation may have come first: its next reader has them
                        fetched = {tp: records for tp, records in fetched.items() if tp in owned}
                        offsets = await self.forward(producer, fetched)
                        await self._commit(consumer, offsets)
                if time.monotonic() - lag_at_s >= LAG_INTERVAL_S:
                    self._report_lag(consumer)
                    lag_at_s = time.monotonic()
        finally:
            await consumer.stop()
            await producer.stop()

    async def forward(self, producer, fetched: dict[TopicPartition, list[Any]]) -> dict[TopicPartition, int]:
        """Write the fetched records as runs and wait until the broker has them all; return the offsets to commit."""
        sent = []
        for tp, records in fetched.items():
            partition = self._target(tp)
            for run in runs(records):
                value = self.codec.encode("EventRun", run_value(tp.topic, tp.partition, run))
                sent.append(await producer.send(self.topic, value=value, key=tp.topic.encode(), partition=partition))
        await asyncio.gather(*sent)
        self.forwarded += sum(len(records) for records in fetched.values())
        offsets = {tp: records[-1].offset + 1 for tp, records in fetched.items() if records}
        self.positions.update(offsets)
        return offsets

    def _target(self, tp: TopicPartition) -> int:
        if tp.partition < self._partitions:
            return tp.partition
        # An events topic given more partitions than the register: its extra partitions' records are refused as
        # mispartitioned by the aggregator (their record's partition is elsewhere), and must still reach it.
        return tp.partition % self._partitions

    async def _commit(self, consumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:  # a rebalance took them: their next reader writes the runs again
            log.warning("could not commit %d partitions of the events after writing their runs: %r", len(offsets), exc)

    async def _partition_count(self) -> int:
        admin = admin_client(self.settings)
        await admin.start()
        try:
            numbers = await partition_numbers(admin, [self.topic])
        finally:
            await admin.close()
        if self.topic not in numbers:
            raise RuntimeError(f"the regrouped topic {self.topic} does not exist; provision the topics first")
        return len(numbers[self.topic])

    def _report_lag(self, consumer) -> None:
        for tp in consumer.assignment():
            highwater, position = consumer.highwater(tp), self.positions.get(tp)
            if highwater is not None and position is not None:
                self.sensor.on_lag(tp.topic, tp.partition, max(0, highwater - position))

    async def on_revoked(self, revoked: list[TopicPartition]) -> None:
        """Wait until the runs in flight are written and committed, then stop reporting the partitions' lag."""
        async with self._lock:
            pass
        for tp in revoked:
            if self.positions.pop(tp, None) is not None:  # its next reader reports it: a sum must not count it twice
                self.sensor.on_lag(tp.topic, tp.partition, 0)

    async def on_assigned(self, assigned: list[TopicPartition]) -> None:
        """Start a partition this group never committed where the aggregator's own group had (an upgrade from
        a hub whose aggregator read the events topics itself), and say when retention deleted unread records."""
        if not assigned or self._consumer is None:
            return
        try:
            ours, theirs, firsts = await self._offsets_of(list(assigned))
        except KafkaError as exc:
            log.warning("could not read where the events partitions start: %r; reading them from the committed "
                        "offsets, else from the first", exc)
            return
        for tp in assigned:
            start = ours.get(tp)
            if start is None and tp in theirs:
                start = theirs[tp]
                self._consumer.seek(tp, start)
                log.info("%s[%d] starts at %d, where the aggregator's group had committed", tp.topic, tp.partition,
                         start)
            if start is not None and start < firsts.get(tp, 0):
                log.warning("%s[%d]: records %d to %d were deleted (retention) before they were read; reading on "
                            "from %d", tp.topic, tp.partition, start, firsts[tp] - 1, firsts[tp])

    async def _offsets_of(self, partitions: list[TopicPartition]) -> tuple[dict, dict, dict]:
        admin = admin_client(self.settings)
        await admin.start()
        try:
            ours = await admin.list_consumer_group_offsets(self.group, partitions=partitions)
            theirs = await admin.list_consumer_group_offsets(self.settings.app_id, partitions=partitions)
        finally:
            await admin.close()
        firsts = await self._consumer.beginning_offsets(partitions)
        return _committed(ours), _committed(theirs), firsts


def _committed(found: dict) -> dict[TopicPartition, int]:
    return {tp: meta.offset for tp, meta in found.items() if meta is not None and meta.offset >= 0}


class _Listener(ConsumerRebalanceListener):
    """Hands aiokafka's rebalance callbacks to the regrouper."""

    def __init__(self, regrouper: Regrouper) -> None:
        self.regrouper = regrouper

    async def on_partitions_revoked(self, revoked) -> None:
        await self.regrouper.on_revoked(list(revoked))

    async def on_partitions_assigned(self, assigned) -> None:
        await self.regrouper.on_assigned(list(assigned))


def regroup_task(regrouper: Regrouper, on_failure: Callable[[BaseException], None]) -> Callable:
    """Return a coroutine function running the regrouper that reports a failure (the worker then stops)."""
    async def carry() -> None:
        try:
            await regrouper.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("the regrouping of the events stopped")
            on_failure(exc)
    return carry
