"""Reading a whole topic from its start to its current end, without a consumer group."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.kafka.admin import partitions_of
from hub.settings import HubSettings


async def read_to_end(settings: HubSettings, topic: str) -> list:
    """Return every record of a topic up to the end offsets it has when the reading starts."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                                group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (await partitions_of(settings, [topic]))[topic]]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        while await behind(consumer, ends):
            for part in (await consumer.getmany(timeout_ms=500)).values():
                records += [r for r in part if r.offset < ends[TopicPartition(r.topic, r.partition)]]
        return records
    finally:
        await consumer.stop()


async def behind(consumer: AIOKafkaConsumer, ends: dict) -> bool:
    """Tell whether the consumer's position is short of any partition's end offset."""
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False
