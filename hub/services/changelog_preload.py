"""Bulk loading of a table's changelog partitions into local state before Faust's recovery reads them.

Faust recovers a table one changelog record at a time (a task, a log call and a check per record); read with
plain aiokafka in fetches of thousands and written in batches, the same records take a fraction of that
(the README gives the figures); Faust's recovery then starts
from the offset the load stored and finds little or nothing left.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Iterable

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from hub.kafka.connection import make_consumer
from hub.settings import HubSettings

log = logging.getLogger(__name__)

Rows = list[tuple[bytes, "bytes | None"]]
FETCH_RECORDS = 20_000  # at most, over all partitions of one fetch
IDLE_FETCHES = 3  # empty fetches in a row below the end offset (a compacted-away tail): the partitions are done


async def load_changelog(settings: HubSettings, topic: str, partitions: Iterable[int],
                         persisted: Callable[[int], "int | None"], write: Callable[[int, Rows, int], None],
                         deadline_s: float = 60.0) -> int:
    """Load a changelog's partitions from after each one's persisted offset up to its last stable offset, for
    deadline_s at most: every fetch's rows of a partition written with write(partition, rows, last_offset),
    which stores the offset with them; return how many records were loaded. It only speeds recovery up: a
    broker error ends it (said in a warning) and Faust's recovery reads what is left."""
    tps = [TopicPartition(topic, p) for p in sorted(set(partitions))]
    if not tps:
        return 0
    consumer = make_consumer(settings, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                             max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=32 * 1024 * 1024)
    try:
        await consumer.start()
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)  # read_committed: the last stable offsets
        todo = {}
        for tp in tps:
            stored = persisted(tp.partition)
            start = 0 if stored is None else stored + 1
            if start < ends[tp]:
                consumer.seek(tp, start)
                todo[tp] = ends[tp]
        return await _drain(consumer, todo, write, time.monotonic() + deadline_s)
    except (KafkaError, OSError) as exc:
        log.warning("changelog load of %s stopped (%r); Faust's recovery reads the rest", topic, exc)
        return 0
    finally:
        await consumer.stop()


async def _drain(consumer, todo: dict[TopicPartition, int], write: Callable[[int, Rows, int], None],
                 deadline: float) -> int:
    """Read every partition of todo up to its end offset (or the deadline), writing each fetch's rows; return
    the records read."""
    loaded, started, idle = 0, time.monotonic(), 0
    while todo:
        fetched = await consumer.getmany(*todo, timeout_ms=1000, max_records=FETCH_RECORDS)
        idle = 0 if any(fetched.values()) else idle + 1
        for tp, records in fetched.items():
            before_end = [r for r in records if r.offset < todo[tp]]  # a fetch comes in offset order
            rows = [(r.key, r.value) for r in before_end if r.key is not None]
            if rows:
                write(tp.partition, rows, before_end[-1].offset)
                loaded += len(rows)
        for tp in list(todo):
            if await consumer.position(tp) >= todo[tp]:
                del todo[tp]
        if todo and (idle >= IDLE_FETCHES or time.monotonic() > deadline):
            log.info("changelog load ends before the end of partitions %s; Faust's recovery reads the rest",
                     sorted(tp.partition for tp in todo))
            break
    if loaded:
        log.info("loaded %d changelog records in %.1f s before recovery", loaded, time.monotonic() - started)
    return loaded
