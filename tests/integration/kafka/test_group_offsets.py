"""Where a consumer group starts each partition, against the real broker: committed, else the first offset."""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition
from aiokafka.admin.records_to_delete import RecordsToDelete
from aiokafka.structs import OffsetAndMetadata

from hub.kafka.admin import admin_client, provision
from hub.kafka.connection import make_consumer
from hub.kafka.group_offsets import GroupStartOffsets
from hub.kafka.producer import make_producer
from hub.kafka.topics import CHECK_AUDIT, EVENTS
from hub.settings import HubSettings


async def _fill(settings: HubSettings, topics: list[str]) -> None:
    producer = make_producer(settings, linger_ms=0)
    await producer.start()
    try:
        for topic in topics:
            for partition in (0, 1):
                for n in range(10):
                    await producer.send_and_wait(topic, b"v%d" % n, key=b"k", partition=partition)
    finally:
        await producer.stop()
    admin = admin_client(settings)
    await admin.start()
    try:  # the group never committed this partition, and its first records are gone
        await admin.delete_records({TopicPartition(topics[1], 1): RecordsToDelete(before_offset=4)})
    finally:
        await admin.close()


async def _commit(settings: HubSettings, offsets: dict[TopicPartition, int]) -> None:
    consumer = make_consumer(settings, group_id=settings.app_id,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})
    finally:
        await consumer.stop()


def test_every_partition_starts_where_the_group_committed_else_at_its_first_offset(hub_settings: HubSettings):
    asyncio.run(provision(hub_settings, [EVENTS.spec("KZ-75"), CHECK_AUDIT]))
    topics = [EVENTS.name(hub_settings, "KZ-75"), CHECK_AUDIT.name(hub_settings)]
    asyncio.run(_fill(hub_settings, topics))
    asyncio.run(_commit(hub_settings, {TopicPartition(topics[0], 0): 7, TopicPartition(topics[1], 0): 3}))

    async def ask(starts: GroupStartOffsets, questions) -> list:
        return [await starts(topic, partition) for topic, partition in questions]

    async def scenario():
        starts = GroupStartOffsets(hub_settings, hub_settings.app_id, topics)
        try:
            first = await ask(starts, [(topics[0], 0), (topics[0], 1), (topics[1], 0), (topics[1], 1),
                                       ("another-topic", 0)])
            loads_for_all = starts.loads
            await _commit(hub_settings, {TopicPartition(topics[0], 1): 9})
            unchanged = await starts(topics[0], 1)  # known: not asked again until forgotten
            starts.forget()
            again = await starts(topics[0], 1)
            return first, loads_for_all, unchanged, again
        finally:
            await starts.close()

    first, loads_for_all, unchanged, again = asyncio.run(scenario())
    assert first[:4] == [7, 0, 3, 4]
    assert first[4] is None  # a partition of none of its topics
    assert loads_for_all == 2  # one load for the four, and one more for the unknown partition
    assert unchanged == 0 and again == 9
