"""The matcher: an index that follows the central register, answering check requests and noticing delayed hits."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import time
from pathlib import Path
from typing import Any, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.domain.matching.entries import Batcher, EntryBatch
from hub.domain.matching.index import MatchIndex
from hub.domain.matching.owned import OwnedChecks
from hub.errors import IndexBuildError, SnapshotError
from hub.heap import LATENCY_THRESHOLDS, freeze_survivors, settle_heap
from hub.kafka.catalog_follower import CatalogFollower
from hub.kafka.connection import make_consumer
from hub.kafka.producer import append_by_key, make_producer, send_by_key
from hub.kafka.reader import assign_from_start, behind
from hub.kafka.topics import (
    CHECK_REQUESTS,
    CHECK_RESULTS,
    REGISTER,
)
from hub.sensors import Sensor
from hub.services.index_build import (
    BATCH_ENTRIES,
    batches_of,
    build_in_processes,
    read_message,
    register_consumer,
)
from hub.services.index_snapshot import (
    Snapshot,
    check_offsets,
    fork_writer,
    paused_gc,
    read_snapshot,
    remove_abandoned,
    writer_finished,
)
from hub.services.matcher_answers import AnsweredRequests, AnswersChecks
from hub.services.matcher_delayed import DelayedHits, Ownership
from hub.settings import HubSettings

log = logging.getLogger(__name__)

KEEP_CHECKS_MARGIN_DAYS = 1  # checks are kept this much longer than the longest delayed-hit window
LAG_INTERVAL_S = 5.0
DELAYED_TRANSACTION_TIMEOUT_MS = 10_000  # a transaction of one delayed hit takes milliseconds
PRUNE_CHECKS = 1_000  # checks past that forgotten at most per turn of the register loop (5 times a second)
COMMIT_INTERVAL_S = 0.2  # answers go out at once; what was read is committed this often, in the background
MAX_ROUND_CHECKS = 200  # checks answered before their answers are sent together
AUDIT_LINGER_MS = 10  # the audit and notices wait this long to go out together: fewer requests, less CPU
# A fetch returns as soon as one request is there, and an idle one waits on the broker (not in a poll loop) for
# at most 100 ms: the latency of a check is then the broker's and this process's, not a polling period's.
FETCH_MAX_WAIT_MS, FETCH_MIN_BYTES = 100, 1
# A snapshot older than the register's tombstones are kept for may miss a purge: it is not used then.
SNAPSHOT_MAX_AGE_MS = int(REGISTER.extra_config["delete.retention.ms"])
FREEZE_EVERY_RECORDS = 100_000  # while the index is built, its objects so far leave the collector's sight this often
# Once it answers, what has survived (recent checks, mostly) leaves the collector's sight this often, so that
# the full collections LATENCY_THRESHOLDS set off find only what came since (recent checks are freed, when
# forgotten, by their reference counts: they hold no cycles). A full collection's pause grows with the live
# objects it traverses, so with checks kept for delayed hits this has to be seconds, not minutes.
FREEZE_INTERVAL_S = 5.0

# What indexing reads of a register record (MatchIndex.put, document_keys, PersonFacts.of): the rest of it is
# moved past unread while the index is built, and decoded only for a hit or a delayed hit.
DOCUMENT_KEY_FIELDS = frozenset({"iin", "surname", "given_name", "patronymic", "birth_date", "birth_year", "sex",
                                 "identity_documents", "document_number", "vin", "plate", "imei", "serial",
                                 "registration_number"})
INDEX_VIEW = {"kz.mvd.records.RegisterRecord": frozenset({"record_id", "object_kind", "version", "status", "document"}),
              "kz.mvd.records.IdentityDocument": frozenset({"number"}),
              **{f"kz.mvd.records.{card}": DOCUMENT_KEY_FIELDS
                 for card in ("PersonCard", "ThingCard", "FactCard", "PortraitCard")}}


def wall_clock_ms() -> int:
    """Return the current time in epoch milliseconds."""
    return int(time.time() * 1000)


class Matcher(AnswersChecks, DelayedHits):
    """Builds the index from the register (then follows it), and answers check requests as a consumer group."""

    def __init__(self, settings: HubSettings, codec: AvroCodec, sensor: Sensor, catalog: Catalog | None = None,
                 clock_ms: Callable[[], int] = wall_clock_ms):
        """Serve checks for the settings' topics."""
        self.settings, self.codec, self.sensor, self.clock_ms = settings, codec, sensor, clock_ms
        self.catalog = catalog or Catalog()
        self.index = MatchIndex(decode=self._decode_record)
        self._index_view = codec.view_reader("RegisterRecord", INDEX_VIEW)
        self._batcher = Batcher(BATCH_ENTRIES)  # entries read while the index is built, applied a batch at a time
        self.recent = OwnedChecks(self._keep_checks_days())
        self.sent_delayed: set[str] = set()  # ids of the delayed hits sent (by any matcher, as far as known)
        self._delayed_lock = asyncio.Lock()  # delayed hits are sent, and partitions change hands, one at a time
        self._taken: set = set()  # request partitions whose recent checks were taken over (loaded from the audit)
        self._delayed_producer = None
        self.caught_up = asyncio.Event()
        self._producer = None
        self._results_producer = None
        self.snapshot_path = snapshot_path_of(settings)
        self._snapshot_offsets: dict[int, int] | None = None  # those of the last snapshot written or restored
        self._snapshot_at_s = float("-inf")
        self._writer: int | None = None  # pid of the child writing a snapshot

    def _keep_checks_days(self) -> int:
        """Return how long checks are kept for delayed hits: the longest window of the passports as they are
        now, with a margin for enrolments that reach the hub late."""
        return self.catalog.longest_delayed_hit_window_days() + KEEP_CHECKS_MARGIN_DAYS

    def _decode_record(self, raw: bytes) -> dict[str, Any]:
        return self.codec.decode(raw, expect="RegisterRecord").value

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Serve until stopped: load recent checks, build the index, then answer requests."""
        stop = stop or asyncio.Event()
        follower = CatalogFollower(self.settings, self.codec, self.catalog)
        await follower.ready()
        # Answers carry deterministic ids, so a resend after a retry is harmless; without idempotence the
        # producer need not hold each partition to one request in flight, which halves the answer latency.
        # The results have a producer (a connection) of their own: aiokafka keeps one produce request in
        # flight per broker and producer, and a result must not wait behind the audit and notifications.
        self._producer = make_producer(self.settings, linger_ms=AUDIT_LINGER_MS, enable_idempotence=False)
        self._results_producer = make_producer(self.settings, linger_ms=0, enable_idempotence=False)
        await self._producer.start()
        await self._results_producer.start()
        # A delayed hit and its record of being sent go in one transaction. The id is this worker's (its host
        # and data folder), so that a worker started again fences its killed predecessor and ends at once a
        # transaction it left open, which would keep read_committed readers of the notifications waiting.
        self._delayed_producer = make_producer(self.settings, transactional_id=delayed_hits_transactional_id(
            self.settings), transaction_timeout_ms=DELAYED_TRANSACTION_TIMEOUT_MS)
        await self._delayed_producer.start()
        indexer = asyncio.ensure_future(self.follow_register())
        answering = asyncio.ensure_future(self.serve_checks(stop))
        try:
            # An index that stopped following the register would answer from a stale register: what stopped
            # it stops the matcher too (its supervisor starts it again), not only its indexing.
            await asyncio.wait([indexer, answering], return_when=asyncio.FIRST_COMPLETED)
            for task in (indexer, answering):
                if task.done():
                    task.result()
        finally:
            for task in (indexer, answering):
                task.cancel()
            await asyncio.gather(indexer, answering, return_exceptions=True)
            await follower.stop()
            await self._producer.stop()
            await self._results_producer.stop()
            await self._delayed_producer.stop()

    async def serve_checks(self, stop: asyncio.Event) -> None:
        """Wait for the index to catch up, then answer requests until stopped (the recent checks of each
        request partition come with it, see matcher_delayed)."""
        await self.caught_up.wait()
        await self.answer_checks(stop)

    async def follow_register(self) -> None:
        """Restore the index from its snapshot or build it from the register's start (with builder processes),
        set caught_up at the end offsets seen first, then follow the register, writing a snapshot now and then."""
        consumer = register_consumer(self.settings)
        await consumer.start()
        try:
            started_s = time.monotonic()
            partitions = await assign_from_start(consumer, self.settings, [REGISTER.name(self.settings)])
            targets = await consumer.end_offsets(partitions)
            if not self.restore_snapshot(consumer, targets):
                await self.build_from_start(consumer, partitions, targets)
            indexed, frozen_at_s, lag_at_s = 0, time.monotonic(), 0.0
            while True:
                if not self.caught_up.is_set() and not await behind(consumer, targets):
                    self.seal_index_if_due()  # after a build; a restored index is sealed already
                    settle_heap(LATENCY_THRESHOLDS)
                    frozen_at_s = time.monotonic()
                    self.caught_up.set()
                    self.sensor.on_index_ready(time.monotonic() - started_s)
                    log.info("match index caught up: %d live records", len(self.index))
                for records in (await consumer.getmany(timeout_ms=200, max_records=20_000)).values():
                    await self.index_records(records)
                    indexed += len(records)
                if not self.caught_up.is_set() and indexed >= FREEZE_EVERY_RECORDS:
                    freeze_survivors()
                    indexed = 0
                if self.caught_up.is_set():
                    self.seal_index_if_due()
                    if time.monotonic() - frozen_at_s >= FREEZE_INTERVAL_S:
                        freeze_survivors()
                        frozen_at_s = time.monotonic()
                    await self.snapshot_if_due(consumer, partitions)
                self.recent.keep_for_days(self._keep_checks_days())  # passports may change while it runs
                self.recent.prune(self.clock_ms(), limit=PRUNE_CHECKS)
                self.sensor.on_index_size(len(self.index))
                if time.monotonic() - lag_at_s >= LAG_INTERVAL_S:
                    await self.report_lag(consumer)
                    lag_at_s = time.monotonic()
        finally:
            await consumer.stop()

    async def build_from_start(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition],
                               ends: dict[TopicPartition, int]) -> None:
        """Build the index from the register's start with builder processes (index_build.py) and move the
        consumer past what they read; when one fails, start again from the start in this process alone."""
        processes = self.settings.matcher_build_processes
        starts = {tp: await consumer.position(tp) for tp in partitions}
        if processes == 0 or all(starts[tp] >= ends[tp] for tp in partitions):
            return
        consumer.pause(*partitions)  # nothing fetched meanwhile that would be thrown away
        started_s = time.monotonic()
        try:
            reached = await build_in_processes(self.settings, self._index_view, starts, ends, processes,
                                               self.apply_batch)
        except IndexBuildError as exc:
            log.warning("the match index is built again, by the matcher alone: %s", exc)
            self.index, reached = MatchIndex(decode=self._decode_record), starts
        else:
            log.info("match index built by %d processes in %.1f s: %d live records", min(processes, len(partitions)),
                     time.monotonic() - started_s, len(self.index))
        for tp, offset in reached.items():
            consumer.seek(tp, offset)
        consumer.resume(*partitions)

    def seal_index_if_due(self) -> None:
        """Sort what the index took in since its last seal into its arrays when a seal is due (a second or so
        for millions of records)."""
        if not self.index.needs_seal():
            return
        started_s = time.monotonic()
        self.index.seal()
        log.info("match index sealed in %.2f s: %d live records", time.monotonic() - started_s, len(self.index))

    def restore_snapshot(self, consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
        """Load the index from its snapshot when a usable one exists, and read the register from its offsets
        on; otherwise keep building from the start (a snapshot that cannot be used is logged and ignored)."""
        remove_abandoned(self.snapshot_path)
        with paused_gc():
            try:
                snapshot = read_snapshot(self.snapshot_path, REGISTER.name(self.settings), self.clock_ms(),
                                         SNAPSHOT_MAX_AGE_MS)
                if snapshot is None:
                    return False
                check_offsets(snapshot, {tp.partition: end for tp, end in ends.items()})
            except SnapshotError as exc:
                log.warning("match index snapshot not used; the index is built from the register: %s", exc)
                return False
            self.index = MatchIndex.restore(snapshot.plain, decode=self._decode_record)
        for tp in ends:
            consumer.seek(tp, snapshot.offsets[tp.partition])
        self._snapshot_offsets = snapshot.offsets
        log.info("match index restored from %s: %d live records, reading the register from %s",
                 self.snapshot_path, len(self.index), snapshot.offsets)
        return True

    async def snapshot_if_due(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
        """Fork a snapshot writer when none is running, the interval has passed and the register has moved
        on since the last snapshot (at once after the first catch-up)."""
        if self._writer is not None:
            written = writer_finished(self._writer)
            if written is None:
                return
            log.log(logging.INFO if written else logging.WARNING, "match index snapshot %s %s",
                    "written to" if written else "could not be written to", self.snapshot_path)
            self._writer = None
        interval_s = self.settings.matcher_snapshot_interval_s
        if interval_s <= 0 or time.monotonic() - self._snapshot_at_s < interval_s:
            return
        offsets = {tp.partition: await consumer.position(tp) for tp in partitions}
        if offsets == self._snapshot_offsets:
            return
        topic, taken_at_ms, index = REGISTER.name(self.settings), self.clock_ms(), self.index
        self._writer = fork_writer(self.snapshot_path, lambda: Snapshot(topic, offsets, taken_at_ms, index.export()))
        self._snapshot_offsets, self._snapshot_at_s = offsets, time.monotonic()

    async def index_records(self, records: list) -> None:
        """Apply register messages to the index, in order: in batches until it has caught up, then one by
        one; new enrolments may answer recent checks late."""
        if not self.caught_up.is_set():
            for batch in batches_of(records, self._index_view, self._batcher) + [self._batcher.take()]:
                await self.apply_batch(batch)
            return
        index_record, late = self.index_record, len(self.recent) > 0  # no check is added meanwhile but by an await
        for record in records:
            enrolled = index_record(record)
            if enrolled is not None and late:
                await self.notify_delayed_hits(self.index.state_of(enrolled))

    async def apply_batch(self, batch: EntryBatch) -> None:
        """Apply a batch of register entries; new enrolments among them may answer recent checks late."""
        self.index.add_batch(batch)
        if batch.left_out:
            self.sensor.on_index_left_out(len(batch.left_out))
        if len(self.recent):
            for record_id in batch.enrolled:
                if record_id in self.index:
                    await self.notify_delayed_hits(self.index.state_of(record_id))
        self.sensor.on_index_size(len(self.index))

    def index_record(self, record: Any) -> str | None:
        """Apply one register message (an aiokafka record) to the index; return the record's id when it is a
        new enrolment."""
        read = read_message(record, self._index_view)
        if read is None:
            return None
        self.index.remove(read.record_id)
        if read.left_out:
            self.sensor.on_index_left_out(1)
        if read.entry is not None:
            self.index.put_entry(read.entry, record.value)
        return read.record_id if read.enrolled else None

    async def answer_checks(self, stop: asyncio.Event) -> None:
        """Answer check requests as the matcher's consumer group, committing once the answers are acknowledged."""
        consumer = make_consumer(self.settings, group_id=f"{self.settings.app_id}-matcher",
                                    enable_auto_commit=False, auto_offset_reset="earliest",
                                    fetch_max_wait_ms=FETCH_MAX_WAIT_MS, fetch_min_bytes=FETCH_MIN_BYTES,
                                    session_timeout_ms=int(self.settings.session_timeout_s * 1000))
        answered = AnsweredRequests(consumer)
        results_topics = set(CHECK_RESULTS.names(self.settings))
        ownership = Ownership(self, answered)
        consumer.subscribe(topics=CHECK_REQUESTS.names(self.settings), listener=ownership)
        await consumer.start()
        committing: asyncio.Task | None = None
        last_commit_s = time.monotonic()
        try:
            lag_at_s = 0.0
            while not stop.is_set():
                ownership.raise_failure()
                if time.monotonic() - lag_at_s >= LAG_INTERVAL_S:
                    await self.report_lag(consumer)
                    lag_at_s = time.monotonic()
                batch = await consumer.getmany(timeout_ms=20, max_records=MAX_ROUND_CHECKS)
                outputs = [message for records in batch.values() for record in records
                           for message in self.answer(record)]
                if outputs:
                    results, others = [], []
                    for output in outputs:
                        (results if output[0] in results_topics else others).append(output)
                    answered.pending += await send_by_key(self._results_producer, results)
                    answered.pending += await append_by_key(self._producer, others)
                if any(batch.values()):
                    answered.read.update({tp: records[-1].offset + 1 for tp, records in batch.items() if records})
                    answered.uncommitted = True
                # A revocation commits its partitions only: the others wait for this, new answers or not.
                if answered.uncommitted and time.monotonic() - last_commit_s >= COMMIT_INTERVAL_S and \
                        (committing is None or committing.done()):
                    if committing is not None:
                        committing.result()  # a failed commit stops the matcher; its requests are read again
                    committing = asyncio.ensure_future(answered.commit())
                    last_commit_s = time.monotonic()
            if committing is not None:
                await committing
            await answered.commit()
        finally:
            await consumer.stop()

    async def report_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Report how far behind its partitions' ends a consumer is (the index, or the answering)."""
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                self.sensor.on_lag(tp.topic, tp.partition, max(0, highwater - await consumer.position(tp)))

def delayed_hits_transactional_id(settings: HubSettings) -> str:
    """Return the transactional id of a matcher worker's delayed hits: stable across its restarts, its own."""
    worker = f"{socket.gethostname()}:{settings.data_dir.resolve()}"
    return f"{settings.app_id}-matcher-{hashlib.sha256(worker.encode()).hexdigest()[:16]}"


def snapshot_path_of(settings: HubSettings) -> Path:
    """Return where the matcher keeps its index snapshot: under data_dir, named after the register topic."""
    return settings.data_dir / "matcher" / f"{REGISTER.name(settings)}.index"


def install_matcher(app, settings: HubSettings, codec: AvroCodec, sensor: Sensor) -> Matcher:
    """Run the matcher as a task of the Faust app (hub run --service all)."""
    matcher = Matcher(settings, codec, sensor)

    @app.task
    async def serve_checks() -> None:
        await matcher.run()

    return matcher
