"""The one place that reaches into Faust's and aiokafka's private parts; tests/unit/services/test_faust_internals.py
fails when an upgrade moves any of them."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import faust
from aiokafka import AIOKafkaProducer
from faust.transport.drivers import aiokafka as faust_aiokafka

READ_COMMITTED = "read_committed"


class ReadCommittedThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread, whose aiokafka consumer reads committed transactions only, seeks where nothing
    is committed, and checks only streams' partitions.

    Faust reads read_uncommitted unless its own exactly-once mode is on (whose duplicate and fencing
    bugs keep it off here), so events of a regional system's aborted transactions would be applied.
    """

    def _create_worker_consumer(self, transport: Any):
        consumer = super()._create_worker_consumer(transport)
        consumer._isolation_level = READ_COMMITTED  # read when the consumer starts and makes its fetcher
        return consumer

    async def seek_to_committed(self) -> Any:
        """Seek every assigned partition to the group's committed offset, or to its first offset when nothing
        is committed.

        aiokafka's seek_to_committed seeks only where the committed offset is above 0; elsewhere the position
        stays where the fetches made during table recovery left it, past records Faust then drops unprocessed
        (an event published while a worker starts was lost so, never applied and never committed).
        """
        return await self.call_thread(self._seek_to_committed_or_start)

    async def _seek_to_committed_or_start(self) -> Any:
        consumer = self._ensure_consumer()
        committed = await consumer.seek_to_committed()
        unset = [tp for tp, offset in committed.items() if not offset]
        if unset:
            firsts = await consumer.beginning_offsets(unset)
            for tp in unset:
                consumer.seek(tp, max(committed[tp] or 0, firsts[tp]))
        return committed

    def verify_event_path(self, now: float, tp: Any) -> None:
        """Faust's check that a stream processes each assigned partition, for the partitions of streams only.

        A table's changelog (the register) is read by recovery and written by the aggregator, never by a
        stream, so the check logged a false 15-line ERROR for each of its partitions every few seconds.
        """
        if tp.topic in self.consumer.app.tables.changelog_topics:
            return None
        return super().verify_event_path(now, tp)


class ReadCommittedConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer with a ReadCommittedThread."""

    def _new_consumer_thread(self) -> ReadCommittedThread:
        return ReadCommittedThread(self, loop=self.loop, beacon=self.beacon)


def read_committed(app: faust.App) -> None:
    """Make the app's worker consumer read committed transactions only (call before the worker starts)."""
    app.transport.Consumer = ReadCommittedConsumer


def isolation_level_of(consumer: Any) -> str:
    """Return the isolation level an aiokafka consumer will fetch with."""
    return consumer._isolation_level


def aiokafka_producer_of(app: faust.App) -> AIOKafkaProducer:
    """Return the aiokafka producer inside Faust's (so Faust's flush before each commit covers what it sends)."""
    return app.producer._ensure_producer()


def crash(app: faust.App, exc: BaseException) -> None:
    """Stop the app's worker with an error, as Faust does when an agent fails."""
    app._crash(exc)


def consumer_view(app: faust.App, tp: Any) -> dict[str, Any]:
    """Return what Faust's consumer holds of a partition: offsets read, committed and acknowledged, gaps, pause."""
    consumer = app.consumer
    acked = consumer._acked.get(tp) or []
    return {"read": consumer._read_offset.get(tp), "committed": consumer._committed_offset.get(tp),
            "acked": len(acked), "first_acked": min(acked) if acked else None,
            "gaps": len(consumer._gap.get(tp) or ()), "paused": tp in consumer._paused_partitions,
            "unacked": sum(1 for m in consumer._unacked_messages if m.tp == tp)}


def tables_recovered(app: faust.App) -> bool:
    """Return whether the worker's tables have recovered (Faust's recovery completed once and is not running
    again after a rebalance): the aggregator's readiness."""
    return app.tables.recovery.completed.is_set() and not app.in_recovery


def rocksdb_rows_writer(table: Any) -> tuple[Callable[[int], "int | None"], Callable[[int, list, int], None]]:
    """Return (persisted, write) over a table's RocksDB store: the offset stored for a changelog partition,
    and a write of rows (key, value or None to delete) with the partition's new offset in the same batch."""
    import rocksdict
    from faust.types import TP

    store, topic = table.data, table.changelog_topic.get_topic_name()

    def persisted(partition: int) -> int | None:
        return table.persisted_offset(TP(topic, partition))

    def write(partition: int, rows: list, last_offset: int) -> None:
        batch = rocksdict.WriteBatch(raw_mode=True)
        for key, value in rows:
            if value is None:
                batch.delete(key)
            else:
                batch.put(key, value)
        batch.put(store.offset_key, str(last_offset).encode())
        store._db_for_partition(partition).write(batch)

    return persisted, write


def load_before_recovery(app: faust.App, table: Any, load: Callable[[list[int]], Awaitable[Any]]) -> None:
    """Call load(partitions) with the table's active changelog partitions in Faust's recovery task (heartbeats
    running, the app in recovery), just before it works out where to start reading them; it then starts from
    the offsets the load stored (Recovery._build_offsets, extended)."""
    from faust.types import TP

    recovery, topic = app.tables.recovery, table.changelog_topic.get_topic_name()
    build_offsets = recovery._build_offsets

    async def _build_offsets(consumer, tps, destination, title) -> None:
        if title == "active":
            ours = sorted(tp.partition for tp in tps if tp.topic == topic)
            await load(ours)
            for tp in (TP(topic, partition) for partition in ours):
                stored = table.persisted_offset(tp)  # what Faust read before the load, or past it
                if stored is not None:
                    destination[tp] = stored
        await build_offsets(consumer, tps, destination, title)

    recovery._build_offsets = _build_offsets
