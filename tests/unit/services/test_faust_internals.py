"""The private parts of Faust and aiokafka the hub uses are still there, and do what the adapter expects."""

from __future__ import annotations

import asyncio
import inspect

import faust
from aiokafka import AIOKafkaConsumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from hub.services.faust_internals import (
    ReadCommittedConsumer,
    ReadCommittedThread,
    consumer_view,
    isolation_level_of,
    read_committed,
)


def test_the_methods_the_adapter_overrides_or_calls_exist_with_their_signatures() -> None:
    assert list(inspect.signature(faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer).parameters) == [
        "self", "transport"]
    assert list(inspect.signature(faust_aiokafka.Consumer._new_consumer_thread).parameters) == ["self"]
    assert callable(getattr(faust_aiokafka.Producer, "_ensure_producer", None))
    assert callable(getattr(faust.App, "_crash", None))
    assert "isolation_level=self._isolation_level" in inspect.getsource(AIOKafkaConsumer.start)
    assert list(inspect.signature(faust_aiokafka.AIOKafkaConsumerThread.verify_event_path).parameters) == [
        "self", "now", "tp"]
    assert "self._ensure_consumer().seek_to_committed" in inspect.getsource(
        faust_aiokafka.AIOKafkaConsumerThread.seek_to_committed)
    assert "if offset and offset > 0" in inspect.getsource(AIOKafkaConsumer.seek_to_committed)  # what is worked around
    from faust.tables.recovery import Recovery  # tables_recovered: its completed event and the app's flag
    assert "self.completed.set()" in inspect.getsource(Recovery) and "self.app.in_recovery = " in inspect.getsource(
        Recovery)


def test_the_consumer_view_reads_what_faust_holds_of_a_partition() -> None:
    async def view() -> dict:
        app = faust.App("adapter-view", broker="kafka://127.0.0.1:1", web_enabled=False)
        consumer, tp = app.consumer, TP("events", 3)
        consumer._read_offset[tp], consumer._committed_offset[tp] = 124, 110
        consumer._acked[tp] = [112, 113]
        consumer._paused_partitions.add(tp)
        return consumer_view(app, tp)
    assert asyncio.run(view()) == {"read": 124, "committed": 110, "acked": 2, "first_acked": 112, "gaps": 0,
                                   "paused": True, "unacked": 0}


def test_an_app_made_read_committed_builds_a_read_committed_consumer() -> None:
    async def build() -> str:
        app = faust.App("adapter-test", broker="kafka://127.0.0.1:1", web_enabled=False)
        read_committed(app)
        consumer = app.consumer  # what the worker uses, made by the app's transport
        assert isinstance(consumer, ReadCommittedConsumer)
        thread = consumer._new_consumer_thread()
        assert isinstance(thread, ReadCommittedThread)
        app.Table("t", default=None, changelog_topic=app.topic("t-changelog"))
        assert thread.verify_event_path(0.0, TP("t-changelog", 0)) is None  # a changelog is not checked
        return isolation_level_of(thread._create_worker_consumer(app.transport))
    assert asyncio.run(build()) == "read_committed"


def test_the_recovery_parts_the_changelog_load_uses_are_there_in_the_order_it_needs() -> None:
    from faust.stores.rocksdb import Store
    from faust.tables.recovery import Recovery
    from faust.topics import Topic

    assert list(inspect.signature(Recovery._build_offsets).parameters) == [
        "self", "consumer", "tps", "destination", "title"]
    import faust.tables.recovery as recovery_module

    restart = inspect.getsource(recovery_module)  # in recovery (watchdog), producer flushed, then the offsets
    assert restart.index("self._set_recovery_started()") < restart.index("producer.flush") < restart.index(
        "self._build_offsets)(\n                        consumer, assigned_active_tps, active_offsets, \"active\"")
    assert "destination[tp] = max(last_value, new_value)" in inspect.getsource(Recovery._build_offsets)
    assert "int(offset)" in inspect.getsource(Store.persisted_offset)  # the offset is stored as its digits
    assert "self.offset_key" in inspect.getsource(Store.persisted_offset)
    assert callable(Store._db_for_partition) and callable(Topic.get_topic_name)
    from faust.tables.base import Collection

    assert "self.data.persisted_offset(tp)" in inspect.getsource(Collection.persisted_offset)


def test_the_rocksdb_rows_writer_stores_rows_and_the_offset_as_faust_reads_them(tmp_path) -> None:
    from hub.services.faust_internals import rocksdb_rows_writer

    async def load() -> tuple:
        app = faust.App("adapter-rocksdb", broker="kafka://127.0.0.1:1", web_enabled=False, store="rocksdb://",
                        datadir=str(tmp_path))
        table = app.Table("register", default=None, key_type=bytes, value_type=bytes,
                          changelog_topic=app.topic("register-changelog", key_type=bytes, value_type=bytes))
        persisted, write = rocksdb_rows_writer(table)
        before = persisted(2)
        write(2, [(b"KZ-75-1", b"v1"), (b"KZ-75-2", b"v2")], 41)
        write(2, [(b"KZ-75-1", None), (b"KZ-75-3", b"v3")], 57)  # a tombstone deletes
        db = table.data._db_for_partition(2)
        stored = {key: db.get(key) for key in (b"KZ-75-1", b"KZ-75-2", b"KZ-75-3")}
        return before, persisted(2), persisted(1), stored

    before, after, other, stored = asyncio.run(load())
    assert before is None and other is None  # nothing stored yet, and nothing for a partition not written
    assert after == 57  # Faust's recovery starts after it
    assert stored == {b"KZ-75-1": None, b"KZ-75-2": b"v2", b"KZ-75-3": b"v3"}
