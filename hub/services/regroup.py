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
from aiokafka.errors import KafkaError, NoOffsetForPartitionError, OffsetOutOfRangeError

from hub.codec import AvroCodec
from hub.domain.reasons import refuse
from hub.errors import BrokerError, ConfigurationError, StalledError
from hub.kafka.admin import admin_client, partition_numbers
from hub.kafka.connection import make_consumer
from hub.kafka.group_offsets import GroupStartOffsets
from hub.kafka.producer import make_producer
from hub.kafka.topics import EVENTS, REGROUPED, REGROUPED_MAX_MESSAGE_BYTES, REJECTED, regroup_group
from hub.sensors import Sensor
from hub.services.rejections import Source, rejection_value
from hub.services.stall_watch import PartitionProgress, StallWatch
from hub.settings import HubSettings

log = logging.getLogger(__name__)

MAX_RUN_BYTES = 512 * 1024  # of original values in one run (a larger original goes alone)
MAX_RECORDS_PER_FETCH = 10_000
FETCH_TIMEOUT_MS = 500
LAG_INTERVAL_S = 5.0
RUN_OVERHEAD_BYTES = 32  # per original: its offset, timestamp and lengths
MAX_RUN_MESSAGE_BYTES = REGROUPED_MAX_MESSAGE_BYTES - 64 * 1024  # room for the record batch's own headers
OVERSIZED_KEPT_BYTES = 64 * 1024  # of a message too large to carry, kept in its rejection


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

    def __init__(self, settings: HubSettings, codec: AvroCodec, sensor: Sensor,
                 applied_position: Callable[[str, int], int | None] = lambda topic, partition: None) -> None:
        """Carry the settings' events topics into their regrouped topic; `applied_position` tells how far this
        process's aggregator has applied an events partition (None when it does not know)."""
        self.settings, self.codec, self.sensor = settings, codec, sensor
        self.applied_position = applied_position
        self.topic = REGROUPED.name(settings)
        self.group = regroup_group(settings)
        self.positions: dict[TopicPartition, int] = {}
        self._lock = asyncio.Lock()  # held while runs are on their way: a revocation waits for them
        self._inherited: dict[TopicPartition, int] = {}
        limit_s = settings.partition_stall_restart_s  # no rewind first: a stuck write is not mended by a seek
        self.watch = StallWatch(limit_s, rewind_after_s=limit_s)
        self.offsets = GroupStartOffsets(settings, self.group, EVENTS.names(settings))  # what waits, when asked

    def stalled(self, ends: dict[TopicPartition, int], now_s: float) -> list[TopicPartition]:
        """Return the owned events partitions (with their ends as the broker gives them now) whose carried, and
        so committed, offset has stood still for the stall limit with records past it: a write or a fetch that
        never ends, which nothing else would notice."""
        progress = {tp: PartitionProgress(self.positions[tp], self.positions[tp], end)
                    for tp, end in ends.items() if tp in self.positions}
        return self.watch.observe(now_s, progress)[1]

    async def watch_stalls(self, consumer, on_stall: Callable[[BaseException], None]) -> None:
        """Look for stalled partitions every LAG_INTERVAL_S; report the first found to on_stall and end. The ends
        are asked of the broker: while it cannot answer, nothing is judged (an outage is not the stage's stall)."""
        while True:
            await asyncio.sleep(LAG_INTERVAL_S)
            try:
                ends = await asyncio.wait_for(consumer.end_offsets(list(consumer.assignment())), LAG_INTERVAL_S)
            except (KafkaError, asyncio.TimeoutError) as exc:
                log.info("the regrouping's stall watch could not read the events' ends: %r", exc)
                self.watch.reset()
                continue
            stalled = await self._with_records_waiting(self.stalled(ends, time.monotonic()), ends)
            if stalled:
                where = ", ".join(f"{tp.topic}[{tp.partition}] at {self.positions[tp]} of {ends[tp]}"
                                  for tp in stalled)
                log.critical("the regrouping stood still for %.0f s with records waiting: %s; stopping so that a "
                             "restart reads them again", self.watch.limit_s, where)
                on_stall(StalledError(f"the regrouping of {where} stood still for {self.watch.limit_s:.0f} s"))
                return

    async def _with_records_waiting(self, stalled: list[TopicPartition],
                                    ends: dict[TopicPartition, int]) -> list[TopicPartition]:
        """Keep the stalled partitions past whose carried offset records wait: a transaction's marker or
        aborted records alone are nothing to carry (their count starts again); unknown while the broker
        cannot say, so none is kept then."""
        kept = []
        for tp in stalled:
            try:
                found = await self.offsets.records_between(tp.topic, tp.partition, self.positions[tp], ends[tp])
            except BrokerError as exc:
                log.info("the regrouping's stall watch could not read %s[%d]: %s", tp.topic, tp.partition, exc)
                return []
            if found:
                kept.append(tp)
            else:
                self.watch.excuse(tp, time.monotonic())
        return kept

    async def run(self, on_stall: Callable[[BaseException], None] | None = None) -> None:
        """Carry runs forever (until cancelled); a failed write raises, and a restart carries them again; a
        partition that stands still with records waiting is reported to on_stall (which stops the worker)."""
        # No automatic reset: a partition this group never committed starts where the aggregator's own group had
        # (an upgrade), else at its first offset; one whose records retention deleted unread is said so.
        consumer = make_consumer(self.settings, group_id=self.group, enable_auto_commit=False,
                                 auto_offset_reset="none")
        # Uncompressed: compressing every run again cost a tenth of the aggregator's CPU on batches.
        producer = make_producer(self.settings, linger_ms=0, max_batch_size=2 * MAX_RUN_BYTES,
                                 max_request_size=REGROUPED_MAX_MESSAGE_BYTES, compression_type=None)
        await producer.start()
        watching: asyncio.Future | None = None
        try:
            await consumer.start()
            self._inherited = await self._prepare()
            consumer.subscribe(EVENTS.names(self.settings), listener=_Listener(self))
            if on_stall is not None:
                watching = asyncio.ensure_future(self.watch_stalls(consumer, on_stall))
            lag_at_s = time.monotonic()
            while True:
                try:
                    fetched = await consumer.getmany(timeout_ms=FETCH_TIMEOUT_MS, max_records=MAX_RECORDS_PER_FETCH)
                except NoOffsetForPartitionError as exc:
                    await self._start_uncommitted(consumer, exc.args[0])
                    continue
                except OffsetOutOfRangeError as exc:
                    await self._start_after_deletion(consumer, exc.args[0])
                    continue
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
            if watching is not None:
                watching.cancel()
            await self.offsets.close()
            await consumer.stop()
            await producer.stop()

    async def forward(self, producer, fetched: dict[TopicPartition, list[Any]]) -> dict[TopicPartition, int]:
        """Write the fetched records as runs and wait until the broker has them all; return the offsets to commit."""
        sent = []
        for tp, records in fetched.items():
            for run in runs(records):
                value = self.codec.encode("EventRun", run_value(tp.topic, tp.partition, run))
                if len(value) > MAX_RUN_MESSAGE_BYTES:  # one record, too large to carry: refused where operators see
                    sent.append(await self._refuse_oversized(producer, tp, run[0]))
                    continue
                sent.append(await producer.send(self.topic, value=value, key=tp.topic.encode(),
                                                partition=tp.partition))
        await asyncio.gather(*sent)
        offsets = {tp: records[-1].offset + 1 for tp, records in fetched.items() if records}
        self.positions.update(offsets)
        return offsets

    async def _refuse_oversized(self, producer, tp: TopicPartition, record: Any) -> asyncio.Future:
        size = len(record.value or b"")
        log.error("%s[%d] at %d: a message of %d bytes is too large to carry; refused", tp.topic, tp.partition,
                  record.offset, size)
        refusal = refuse("OTHER", "too_large", value=size, limit=MAX_RUN_MESSAGE_BYTES, kept=OVERSIZED_KEPT_BYTES)
        value = rejection_value(refusal, Source(tp.topic, tp.partition, record.offset),
                                (record.value or b"")[:OVERSIZED_KEPT_BYTES], None, int(time.time() * 1000))
        self.sensor.on_rejection(refusal.code)
        return await producer.send(REJECTED.name(self.settings), value=self.codec.encode("Rejection", value),
                                   key=tp.topic.encode())

    async def _commit(self, consumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:  # a rebalance took them: their next reader writes the runs again
            log.warning("could not commit %d partitions of the events after writing their runs: %r", len(offsets), exc)

    async def _prepare(self) -> dict[TopicPartition, int]:
        """Check the regrouped topic has a partition for every events partition; return the aggregator's own
        group's committed offsets of the events topics (where an upgraded hub had got to)."""
        admin = admin_client(self.settings)
        await admin.start()
        try:
            numbers = await partition_numbers(admin, [self.topic, *EVENTS.names(self.settings)])
            inherited = await admin.list_consumer_group_offsets(self.settings.app_id)
        finally:
            await admin.close()
        if self.topic not in numbers:
            raise ConfigurationError(f"the regrouped topic {self.topic} does not exist; provision the topics first")
        wider = sorted(t for t, found in numbers.items() if len(found) > len(numbers[self.topic]))
        if wider:
            raise ConfigurationError(
                f"{', '.join(wider)} have more partitions than {self.topic} ({len(numbers[self.topic])}): every "
                "events topic must have as many partitions as the register; give them all the same count")
        return {tp: meta.offset for tp, meta in inherited.items()
                if meta is not None and meta.offset >= 0 and tp.topic != self.topic}

    async def _start_uncommitted(self, consumer, tp: TopicPartition) -> None:
        """Start a partition this group never committed where the aggregator's group had, else at its start."""
        if tp in self._inherited:
            consumer.seek(tp, self._inherited[tp])
            log.info("%s[%d] starts at %d, where the aggregator's group had committed", tp.topic, tp.partition,
                     self._inherited[tp])
        else:
            await consumer.seek_to_beginning(tp)

    async def _start_after_deletion(self, consumer, offsets: dict[TopicPartition, int]) -> None:
        """Go on from the first offset of partitions whose next records retention deleted before they were read."""
        for tp, offset in offsets.items():
            first = (await consumer.beginning_offsets([tp]))[tp]
            if first > offset:
                log.warning("%s[%d]: records %d to %d were deleted (retention) before they were read; reading on "
                            "from %d", tp.topic, tp.partition, offset, first - 1, first)
            else:  # beyond the end (the topic was recreated): read it from its start
                log.warning("%s[%d]: offset %d is beyond the partition's end; reading it from %d", tp.topic,
                            tp.partition, offset, first)
            await consumer.seek_to_beginning(tp)

    def _report_lag(self, consumer) -> None:
        """Report each owned events partition's lag: behind what this process applied, else what it carried."""
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            position = self.applied_position(tp.topic, tp.partition)
            if position is None:
                position = self.positions.get(tp)
            if highwater is not None and position is not None:
                self.sensor.on_lag(tp.topic, tp.partition, max(0, highwater - position))

    async def on_revoked(self, revoked: list[TopicPartition]) -> None:
        """Wait until the runs in flight are written and committed, then stop reporting the partitions' lag."""
        async with self._lock:
            pass
        self.watch.reset()
        for tp in revoked:
            if self.positions.pop(tp, None) is not None:  # its next reader reports it: a sum must not count it twice
                self.sensor.on_lag(tp.topic, tp.partition, 0)


class _Listener(ConsumerRebalanceListener):
    """Hands aiokafka's revocations to the regrouper (a new partition starts as `Regrouper.run` says)."""

    def __init__(self, regrouper: Regrouper) -> None:
        """Listen for `regrouper`."""
        self.regrouper = regrouper

    async def on_partitions_revoked(self, revoked) -> None:
        """Wait for the runs in flight."""
        await self.regrouper.on_revoked(list(revoked))

    async def on_partitions_assigned(self, assigned) -> None:
        """Nothing to do: partitions start at their committed offsets, or as `Regrouper.run` says."""


def regroup_task(regrouper: Regrouper, on_failure: Callable[[BaseException], None]) -> Callable:
    """Return a coroutine function running the regrouper that reports a failure (the worker then stops)."""
    async def carry() -> None:
        try:
            await regrouper.run(on_stall=on_failure)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("the regrouping of the events stopped")
            on_failure(exc)
    return carry
