"""Builds the match index from the register with processes of its own: each forked builder reads some of the
register's partitions, works out the entries of their records (entries.py) and sends them down a pipe in
batches, which the matcher applies in the order each builder read them."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import marshal
import os
import signal
import struct
import traceback
from typing import Any, Awaitable, Callable, Iterable, NamedTuple

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.domain.matching.entries import Batcher, EntryBatch, IndexEntry, index_entry
from hub.errors import CodecError, IndexBuildError
from hub.kafka.connection import make_consumer
from hub.process import fork_child
from hub.settings import HubSettings

log = logging.getLogger(__name__)

BATCH_ENTRIES = 2_000  # entries per batch sent to the matcher (about 600 KB)
FETCH_MAX_RECORDS = 20_000
FETCH_WAIT_MS = 200
PIPE_BYTES = 1 << 20  # a larger pipe than Linux's 64 KB: fewer switches between a builder and the matcher
F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, named in the fcntl module only from Python 3.10 on Linux
REAP_WAIT_S = 5.0  # how long a builder that has sent everything is given to close its connections
FRAME = struct.Struct("<I")  # the length of each marshalled message down a pipe

View = Callable[[bytes], dict[str, Any]]
Apply = Callable[[EntryBatch], Awaitable[None]]


class Read(NamedTuple):
    """What a register message says of its record: its entry (None: removed, purged or left out), whether it
    is a new enrolment, and whether it was left out for a defect."""

    record_id: str
    entry: IndexEntry | None
    enrolled: bool
    left_out: bool = False


def read_message(record: Any, view: View) -> Read | None:
    """Return what a register message (an aiokafka record) says of its record; None for an unreadable message,
    which is logged and leaves its record as it was. A record whose entry cannot be worked out is left out of
    the index (logged with its id), so that one defective record never stops the matcher."""
    value = record.value
    if value is None:  # a purge's tombstone
        return Read(record.key.decode("utf-8", "replace"), None, False)
    try:
        state = view(value)
    except CodecError as exc:
        log.error("unreadable register record %s: %s", record.key.decode("utf-8", "replace"), exc)
        return None
    try:
        entry = index_entry(state)
    except Exception as exc:  # noqa: BLE001 - a defect in one record must not stop the index
        log.error("register record %s left out of the match index: %r", state.get("record_id"), exc)
        return Read(state["record_id"], None, False, left_out=True)
    return Read(state["record_id"], entry, state["version"] == 1 and state["status"] == "LIVE")


def batches_of(records: Iterable, view: View, batcher: Batcher) -> list[EntryBatch]:
    """Feed register messages (aiokafka records) to a batcher; return the batches filled."""
    full: list[EntryBatch] = []
    for record in records:
        read = read_message(record, view)
        if read is not None:
            full += batcher.add(read.record_id, record.value, read.entry, read.enrolled, read.left_out)
    return full


def register_consumer(settings: HubSettings) -> AIOKafkaConsumer:
    """Return a groupless consumer that reads the register whole, in fetches of up to 4 MB a partition."""
    return make_consumer(settings, enable_auto_commit=False, group_id=None, max_partition_fetch_bytes=4 << 20)


def shares_of(partitions: list[TopicPartition], processes: int) -> list[list[TopicPartition]]:
    """Deal the partitions out to at most `processes` builders, none empty-handed."""
    ordered = sorted(partitions, key=lambda tp: (tp.topic, tp.partition))
    return [share for share in (ordered[n::processes] for n in range(processes)) if share]


async def build_in_processes(settings: HubSettings, view: View, starts: dict[TopicPartition, int],
                             targets: dict[TopicPartition, int], processes: int,
                             apply: Apply) -> dict[TopicPartition, int]:
    """Read each partition from its start to at least its target in forked builders, applying their batches
    as they come; return the offset each partition was read to. Raise IndexBuildError when a builder fails
    (what was applied is then partial)."""
    children: list[tuple[int, int]] = []
    finished = False
    try:
        for share in shares_of(list(starts), processes):
            children.append(_fork_builder(settings, view, {tp: starts[tp] for tp in share},
                                          {tp: targets[tp] for tp in share}))
        receiving = [asyncio.ensure_future(_receive(pid, fd, apply)) for pid, fd in children]
        try:
            await asyncio.wait(receiving, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in receiving:
                task.cancel()
            await asyncio.gather(*receiving, return_exceptions=True)
        failed = [task.exception() for task in receiving if not task.cancelled() and task.exception()]
        if failed:
            raise failed[0]
        reached: dict[TopicPartition, int] = {}
        for task in receiving:
            reached.update(task.result())
        finished = True
        return reached
    finally:
        for pid, _ in children:
            await _reap(pid, REAP_WAIT_S if finished else 0)


def _fork_builder(settings: HubSettings, view: View, starts: dict[TopicPartition, int],
                  targets: dict[TopicPartition, int]) -> tuple[int, int]:
    """Fork a builder for some partitions; return its pid and the end of its pipe to read."""
    read_fd, write_fd = os.pipe()
    try:
        fcntl.fcntl(write_fd, F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:  # above the system's pipe-max-size: the default pipe does, a little slower
        pass

    def build() -> None:
        os.close(read_fd)
        try:
            asyncio.events._set_running_loop(None)  # the parent's loop, which this process never runs
            asyncio.run(_build_part(settings, view, starts, targets, write_fd))
        except BaseException:  # noqa: BLE001 - told to the matcher, which builds alone then
            _send(write_fd, ("error", traceback.format_exc(limit=8)))
            raise
    pid = fork_child(build)  # a builder lives seconds and makes no cycles: it runs without a collector
    os.close(write_fd)
    return pid, read_fd


async def _build_part(settings: HubSettings, view: View, starts: dict[TopicPartition, int],
                      targets: dict[TopicPartition, int], write_fd: int) -> None:
    """In a builder: read the partitions to their targets, sending batches of entries, then where it stopped."""
    consumer = register_consumer(settings)
    await consumer.start()
    try:
        consumer.assign(list(starts))
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        batcher = Batcher(BATCH_ENTRIES)
        reading = {tp for tp in starts if starts[tp] < targets[tp]}
        consumer.pause(*(set(starts) - reading))
        while reading:
            for tp, records in (await consumer.getmany(timeout_ms=FETCH_WAIT_MS,
                                                       max_records=FETCH_MAX_RECORDS)).items():
                for batch in batches_of(records, view, batcher):
                    _send(write_fd, ("batch", batch.plain()))
                if tp in reading and await consumer.position(tp) >= targets[tp]:
                    reading.discard(tp)
                    consumer.pause(tp)
        last = batcher.take()
        if len(last) or last.removed:
            _send(write_fd, ("batch", last.plain()))
        _send(write_fd, ("done", {(tp.topic, tp.partition): await consumer.position(tp) for tp in starts}))
    finally:
        await consumer.stop()


def _send(fd: int, message: tuple) -> None:
    """Write one framed message to the pipe, whole (a blocking write may take it in parts)."""
    body = marshal.dumps(message, 4)
    view = memoryview(FRAME.pack(len(body)) + body)
    while view:
        view = view[os.write(fd, view):]


async def _receive(pid: int, fd: int, apply: Apply) -> dict[TopicPartition, int]:
    """Apply a builder's batches as they come; return where it read each partition to."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 << 20)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                os.fdopen(fd, "rb", buffering=0))
    try:
        while True:
            try:
                (size,) = FRAME.unpack(await reader.readexactly(FRAME.size))
                kind, body = marshal.loads(await reader.readexactly(size))
            except (asyncio.IncompleteReadError, EOFError, ValueError) as exc:
                raise IndexBuildError(f"index builder {pid} ended without finishing: {exc!r}") from exc
            if kind == "batch":
                await apply(EntryBatch.from_plain(body))
            elif kind == "done":
                return {TopicPartition(topic, partition): offset for (topic, partition), offset in body.items()}
            else:
                raise IndexBuildError(f"index builder {pid} failed: {body}")
    finally:
        transport.close()


async def _reap(pid: int, wait_s: float = REAP_WAIT_S) -> None:
    """Collect a builder's exit, killing it when it has not ended within wait_s (it has sent all it had);
    log the processor time it took."""
    deadline_s = asyncio.get_running_loop().time() + wait_s
    while asyncio.get_running_loop().time() < deadline_s:
        done, _, usage = os.wait4(pid, os.WNOHANG)
        if done:
            log.info("index builder %d took %.1f s of processor time", pid, usage.ru_utime + usage.ru_stime)
            return
        await asyncio.sleep(0.01)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
