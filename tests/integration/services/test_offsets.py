"""Offsets as Kafka gives them, on the real broker: transactional input, a head deleted by retention, an upgrade."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import RecordsToDelete

from hub.kafka.admin import admin_client, provision
from hub.kafka.applied import AppliedEvents
from hub.kafka.connection import client_options, make_consumer
from hub.kafka.producer import publish
from hub.kafka.reader import read_to_end
from hub.kafka.topics import REGISTER, all_topics, regional_events_topic
from hub.services.refdata import load_reference_data
from tests.integration.helpers import Worker, decode_all, read_topic
from tests.samples import EVENT

HOLE_STOP = "stopping before a hole is committed"


def event(n: int) -> dict:
    return {**EVENT, "event_id": f"ev-{n}", "record_id": f"KZ-75-WANTED_PERSON-{n:08d}",
            "occurred_at": int(time.time() * 1000) - 60_000}


def register_ids(settings, codec, expect: int) -> set[str]:
    records = asyncio.run(read_topic(settings, REGISTER.name(settings), expect, timeout_s=120))
    return {state["record_id"] for state in decode_all(codec, records, "RegisterRecord")}


def prepared(settings) -> str:
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    return regional_events_topic("KZ-75").name(settings)


async def publish_in_transactions(settings, codec, topic: str, transactions: list[tuple[list[int], bool]]) -> None:
    """Publish each transaction's events with a transactional producer, committing or aborting it."""
    producer = AIOKafkaProducer(**client_options(settings), transactional_id=f"{settings.app_id}-regional-system")
    await producer.start()
    try:
        for numbers, commit in transactions:
            await producer.begin_transaction()
            for n in numbers:
                await producer.send(topic, codec.encode("RecordEvent", event(n)), key=event(n)["record_id"].encode())
            await (producer.commit_transaction() if commit else producer.abort_transaction())
    finally:
        await producer.stop()


def test_a_transactional_producers_committed_events_are_applied_and_aborted_ones_never(hub_settings, codec,
                                                                                        tmp_path: Path):
    topic = prepared(hub_settings)
    asyncio.run(publish_in_transactions(hub_settings, codec, topic, [
        (list(range(0, 5)), True), (list(range(100, 103)), False), (list(range(5, 10)), True)]))
    worker = Worker(hub_settings, tmp_path / "worker.log", service="aggregator")
    try:
        applied = register_ids(hub_settings, codec, 10)
        alive = worker.proc.poll() is None
    finally:
        worker.stop()
    log = (tmp_path / "worker.log").read_text()
    assert applied == {event(n)["record_id"] for n in range(10)}, log[-3000:]  # none of the aborted 100-102
    assert alive and HOLE_STOP not in log


def test_a_head_deleted_by_retention_past_the_groups_offset_is_passed_over(hub_settings, codec, tmp_path: Path):
    topic = prepared(hub_settings)
    first = [event(n) for n in range(12)]
    asyncio.run(publish(hub_settings, topic, [(e["record_id"], codec.encode("RecordEvent", e)) for e in first]))
    worker = Worker(hub_settings, tmp_path / "worker.log", service="aggregator")
    try:
        assert register_ids(hub_settings, codec, 12) == {e["record_id"] for e in first}
    finally:
        worker.stop()  # commits where it got to
    committed_ends = {r.partition: r.offset + 1 for r in asyncio.run(read_to_end(hub_settings, topic))}
    second = [event(n) for n in range(12, 40)]
    asyncio.run(publish(hub_settings, topic, [(e["record_id"], codec.encode("RecordEvent", e)) for e in second]))
    later = [r for r in asyncio.run(read_to_end(hub_settings, topic)) if r.offset >= committed_ends.get(r.partition, 0)]
    cut = {}  # per partition: retention deletes the first half of what the group has not read yet
    for partition in {r.partition for r in later}:
        offsets = sorted(r.offset for r in later if r.partition == partition)
        cut[partition] = offsets[len(offsets) // 2]
    asyncio.run(delete_before(hub_settings, topic, cut))
    survivors = {codec.decode(r.value, expect="RecordEvent").value["record_id"] for r in later
                 if r.offset >= cut[r.partition]}
    assert 0 < len(survivors) < len(second)
    worker = Worker(hub_settings, tmp_path / "worker.log", service="aggregator")
    try:
        applied = register_ids(hub_settings, codec, 12 + len(survivors))
        alive = worker.proc.poll() is None
    finally:
        worker.stop()
    log = (tmp_path / "worker.log").read_text()
    assert applied == {e["record_id"] for e in first} | survivors, log[-3000:]
    assert alive and HOLE_STOP not in log and "were deleted (retention) before they were read" in log


async def delete_before(settings, topic: str, offsets: dict[int, int]) -> None:
    """Delete a topic's records before the given offsets, as retention would."""
    admin = admin_client(settings)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(topic, p): RecordsToDelete(o) for p, o in offsets.items()})
    finally:
        await admin.close()


async def commit_as(settings, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit offsets for a consumer group, as its members would have."""
    consumer = make_consumer(settings, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


async def wait_applied(settings, topic: str, timeout_s: float = 120) -> None:
    """Wait until the aggregator has applied every event now on the topic."""
    applied = AppliedEvents(settings)
    try:
        mark = await applied.mark(topic)
        deadline = time.monotonic() + timeout_s
        while not await applied.applied(mark):
            assert time.monotonic() < deadline, "the events were not applied in time"
            await asyncio.sleep(0.5)
    finally:
        await applied.close()


def test_an_upgraded_hub_carries_on_from_where_the_old_aggregator_group_had_committed(hub_settings, codec,
                                                                                      tmp_path: Path):
    topic = prepared(hub_settings)
    old = [event(n) for n in range(10)]
    asyncio.run(publish(hub_settings, topic, [(e["record_id"], codec.encode("RecordEvent", e)) for e in old]))
    applied_before = {TopicPartition(topic, r.partition): r.offset + 1
                      for r in sorted(asyncio.run(read_to_end(hub_settings, topic)), key=lambda r: r.offset)}
    asyncio.run(commit_as(hub_settings, hub_settings.app_id, applied_before))  # the old hub had applied these
    new = [event(n) for n in range(10, 30)]
    asyncio.run(publish(hub_settings, topic, [(e["record_id"], codec.encode("RecordEvent", e)) for e in new]))
    worker = Worker(hub_settings, tmp_path / "worker.log", service="aggregator")
    try:
        asyncio.run(wait_applied(hub_settings, topic))
        records = asyncio.run(read_to_end(hub_settings, REGISTER.name(hub_settings)))
    finally:
        worker.stop()
    applied = {state["record_id"] for state in decode_all(codec, records, "RegisterRecord")}
    assert applied == {e["record_id"] for e in new}, (tmp_path / "worker.log").read_text()[-3000:]
    assert "where the aggregator's group had committed" in (tmp_path / "worker.log").read_text()
