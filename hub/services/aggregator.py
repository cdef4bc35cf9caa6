"""Faust wiring of the aggregator: regional topics in, register table (changelog = register topic) out."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter

import faust
from aiokafka.errors import KafkaError
from faust.types import TP

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.errors import BrokerError
from hub.heap import settle_heap
from hub.kafka.catalog_follower import CatalogFollower
from hub.kafka.group_offsets import GroupStartOffsets
from hub.kafka.partitioning import partition_for
from hub.kafka.topics import (
    CHANGES,
    DUE,
    NOTIFICATIONS,
    REGISTER,
    REGROUPED,
    REJECTED,
)
from hub.sensors import Sensor
from hub.services.acks import InOrderAcks
from hub.services.changelog_preload import load_changelog
from hub.services.faust_internals import consumer_view, crash, load_before_recovery, rocksdb_rows_writer
from hub.services.offset_guard import OffsetGap, OffsetGuard
from hub.services.outputs import Outputs, faust_batch_sender, faust_sender
from hub.services.processor import RegisterProcessor, wall_clock_ms
from hub.services.register_table import (
    BufferedTable,
    faust_store_persister,
    faust_store_reader,
)
from hub.services.regroup import Regrouper, regroup_task
from hub.services.stall_watch import PartitionProgress, StallWatch
from hub.settings import HubSettings

log = logging.getLogger(__name__)

LAG_INTERVAL_S = 5.0
SCAN_YIELD_EVERY = 5_000
EXIT_OFFSET_GAP = 75  # EX_TEMPFAIL: restart the worker
EXIT_STALLED = EXIT_OFFSET_GAP
# Input bytes whose writes may still be on their way to the broker while the next messages are processed:
# about 50 batches of 500 events, or four runs of single events.
MAX_BYTES_IN_FLIGHT = 2 << 20


def notices_topic(settings: HubSettings, catalog: Catalog):
    """Return the function naming the notifications topic of a unit, or of a scope when one is given."""
    def name(unit: str, scope: str | None = None) -> str:
        return NOTIFICATIONS.name(settings, scope if scope in NOTIFICATIONS.scopes else catalog.unit_scope(unit))
    return name


def install_aggregator(app: faust.App, settings: HubSettings, codec: AvroCodec, sensor: Sensor,
                       catalog: Catalog | None = None, clock_ms=wall_clock_ms) -> RegisterProcessor:
    """Register the aggregator's agent, table, timers, catalog follower and regrouping stage on the app: the stage
    carries the events topics into the regrouped topic as runs, and the agent reads those and the timer commands."""
    catalog = catalog or Catalog()
    follower = CatalogFollower(settings, codec, catalog)
    regrouped_name, due_name = REGROUPED.name(settings), DUE.name(settings)
    names = [regrouped_name]
    inputs = app.topic(regrouped_name, due_name, key_type=bytes, value_type=bytes, partitions=settings.partitions)
    register = app.topic(REGISTER.name(settings), key_type=bytes, value_type=bytes,
                         partitions=settings.partitions, compacting=True, deleting=False)
    table = app.Table("register-state", default=None, partitions=settings.partitions, key_type=bytes,
                      value_type=bytes, changelog_topic=register, options=rocksdb_options(settings))
    if settings.table_store == "rocksdb":
        persisted, write = rocksdb_rows_writer(table)
        load_before_recovery(app, table, lambda partitions: load_changelog(
            settings, REGISTER.name(settings), partitions, persisted, write))
    outputs = Outputs(faust_sender(app), REGISTER.name(settings), CHANGES.name(settings), REJECTED.name(settings),
                      notices_topic(settings, catalog), due_name, on_failure=lambda exc: crash(app, exc),
                      send_many=faust_batch_sender(app))
    buffered = BufferedTable(table.data, faust_store_persister(table.data, REGISTER.name(settings)),
                             faust_store_reader(table.data))
    processor = RegisterProcessor(buffered, codec, catalog, sensor, outputs,
                                  settings.partitions, due_name, clock_ms)
    regrouper = Regrouper(settings, codec, sensor, lambda topic, partition: processor.applied.get((topic, partition)))
    app.task(regroup_task(regrouper, lambda exc: crash(app, exc)))
    ready = asyncio.Event()
    starts = GroupStartOffsets(settings, settings.app_id, [*names, due_name])

    async def read_again(topic: str, partition: int, offset: int) -> None:
        try:
            await app.consumer.seek(TP(topic, partition), offset)
        except (KafkaError, ValueError) as exc:  # moved to another worker meanwhile: it starts from the commit
            log.warning("could not read %s[%d] again from %d: %r", topic, partition, offset, exc)

    guard = OffsetGuard(starts, starts.records_between, read_again)

    def active_partitions() -> set[int]:
        return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic in names}

    @table.on_recover
    async def rescan_register() -> None:
        ready.clear()
        await follower.ready()
        # Before messages arrive, so the agent never holds its first message for this read (a restarted
        # worker that did so stalled now and then in the crash test).
        starts.forget()
        try:
            await starts.load()
        except BrokerError as exc:  # the guard asks again at the first message
            log.warning("where the group starts could not be read before messages arrive: %s", exc)
        counts = await rescan(processor)
        sensor.on_register_size(counts)
        settle_heap()
        ready.set()
        log.info("register rescanned: %d records, %d with deadlines", sum(counts.values()),
                 len(processor.deadlines))

    @app.timer(interval=settings.sweep_interval_s)
    async def sweep_deadlines() -> None:
        if ready.is_set():
            await sweep(processor, active_partitions(), settings.partitions, clock_ms())

    @app.timer(interval=LAG_INTERVAL_S)
    async def report_lag() -> None:
        assigned = app.consumer.assignment()  # a partition processed here may have moved to another worker
        for (topic, partition), position in list(processor.positions.items()):
            if TP(topic, partition) not in assigned:
                continue
            highwater = app.consumer.highwater(TP(topic, partition))
            if highwater is not None:
                sensor.on_lag(topic, partition, max(0, highwater - position))

    watch = StallWatch(settings.partition_stall_restart_s)

    @app.timer(interval=LAG_INTERVAL_S)
    async def watch_stalls() -> None:
        if not ready.is_set() or app.rebalancing:
            watch.reset()
            return
        owned = [tp for tp in app.consumer.assignment() if tp.topic in inputs.topics]
        try:
            found = await starts.progress(owned)
        except BrokerError as exc:  # the next tick asks again
            log.warning("the stall watch could not read the group's progress: %s", exc)
            return
        progress = {tp: PartitionProgress(processor.positions.get((tp.topic, tp.partition), committed), committed, end)
                    for tp, (committed, end) in found.items()}
        rewind, stalled = watch.observe(time.monotonic(), progress)
        for tp in rewind + stalled:
            await unstick(tp, progress[tp], stop=tp in stalled)

    async def unstick(tp: TP, at: PartitionProgress, stop: bool) -> None:
        if not await starts.records_between(tp.topic, tp.partition, at.committed, at.end):
            watch.excuse(tp, time.monotonic())  # markers or aborted records only
            return
        if not stop:
            log.warning("%s[%d] stood still for %.0f s with records to process (committed %d, end %d, processed to "
                        "%d); reading it again from the committed offset", tp.topic, tp.partition,
                        watch.rewind_after_s, at.committed, at.end, at.processed)
            guard.expect(tp.topic, tp.partition, at.committed)
            await read_again(tp.topic, tp.partition, at.committed)
            return
        log.critical("%s[%d] stalled for %.0f s with records to process: committed %d, end %d, processed to %d; "
                     "Faust holds %s; acknowledgements: %s. Stopping so that a restart reads it again.",
                     tp.topic, tp.partition, watch.limit_s, at.committed, at.end, at.processed,
                     consumer_view(app, tp), acks.describe(tp) if acks is not None else "no stream yet")
        os._exit(EXIT_STALLED)

    acks: InOrderAcks | None = None

    @app.on_partitions_revoked.connect
    async def forget_offsets(app, revoked, **kwargs) -> None:
        watch.reset()
        guard.reset()
        starts.forget()
        buffered.forget_unacknowledged()
        for tp in revoked:  # its next worker reports its lag; a sum over workers must not count it twice
            if processor.positions.pop((tp.topic, tp.partition), None) is not None:
                sensor.on_lag(tp.topic, tp.partition, 0)
        processor.applied.clear()  # a regrouped partition read elsewhere now: its events' lag is carried lag

    @app.on_before_shutdown.connect
    async def close_offset_clients(app, **kwargs) -> None:
        await starts.close()

    @app.agent(inputs, concurrency=1)
    async def aggregate(stream):
        nonlocal acks
        await follower.ready()
        manual = stream.noack()
        acks = InOrderAcks(manual, MAX_BYTES_IN_FLIGHT)
        async for event in manual.events():
            message = event.message
            try:
                if not await guard.check(message.topic, message.partition, message.offset):
                    continue  # beyond a hole being read again
            except OffsetGap as gap:
                log.critical("stopping before a hole is committed: %s", gap)
                os._exit(EXIT_OFFSET_GAP)  # no later offset may be acknowledged
            handle = processor.handle_run if message.topic == regrouped_name else processor.handle
            written = await handle(message.topic, message.partition, message.offset, message.value)
            await acks.after(event, written, len(message.value or b""))

    return processor


def rocksdb_options(settings: HubSettings) -> dict | None:
    """Return the register table's RocksDB options: a small cache and write buffer per partition."""
    if settings.table_store != "rocksdb":
        return None
    size = settings.table_cache_mb * 1024 * 1024
    return {"block_cache_size": size, "block_cache_compressed_size": size // 4, "write_buffer_size": size // 2,
            "max_write_buffer_number": 2, "target_file_size_base": size}


async def rescan(processor: RegisterProcessor) -> Counter:
    """Rebuild the deadline index from the table's records and return their counts by type and status.

    After recovery Faust's stores hold only this worker's active partitions. Most records need
    only their leading fields; a live one with a term is decoded in full for its notice time.
    """
    processor.deadlines.clear()
    counts: Counter = Counter()
    leading = processor.codec.prefix_reader("RegisterRecord", "last_event_id")
    for done, raw in enumerate(processor.table.store.values()):
        if raw is None:
            continue
        state = leading(raw)
        if state is None or (state["status"] == "LIVE" and state["valid_until"] is not None):
            state = processor.codec.decode(raw, expect="RegisterRecord").value
        counts[(state["record_type"], state["status"])] += 1
        processor.track(state)
        if done % SCAN_YIELD_EVERY == 0:
            await asyncio.sleep(0)
    return counts


async def sweep(processor: RegisterProcessor, active: set[int], partitions: int, now_ms: int) -> int:
    """Send a timer command for every deadline that has come, on this worker's partitions."""
    sent = 0
    for due in processor.deadlines.pop_due(now_ms):
        key = due.record_id.encode()
        if partition_for(key, partitions) not in active:
            continue
        command = {"record_id": due.record_id, "kind": due.kind, "version": due.version, "due_at": due.at_ms}
        await processor.outputs.due(key, processor.codec.encode("DueAction", command))
        sent += 1
    return sent
