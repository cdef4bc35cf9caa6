"""Reading topics from their start without a consumer group: to their current end, or following them."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.kafka.admin import partitions_of
from hub.kafka.connection import make_consumer
from hub.settings import HubSettings

# A reading's fetches wait at most this long for data: a broker answers a connection's requests in order, so a
# longer wait would hold up the reading's own offset look-ups and its stop (aiokafka waits 500 ms by default).
READ_FETCH_MAX_WAIT_MS = 20
READ_BATCH_RECORDS = 5_000
# How long a reading waits for its consumer to stop. On uvloop over TLS a stop sometimes takes 30 s (seen in
# one stop of two, never on asyncio's own loop); what is read is returned at once and the stop goes on behind.
STOP_WAIT_S = 0.25
_stopping: set[asyncio.Task] = set()


async def stop_reader(consumer: AIOKafkaConsumer) -> None:
    """Stop a groupless consumer, waiting STOP_WAIT_S at most (the stop goes on in the background)."""
    stopping = asyncio.ensure_future(consumer.stop())
    _stopping.add(stopping)
    stopping.add_done_callback(_stopping.discard)
    try:
        await asyncio.wait_for(asyncio.shield(stopping), STOP_WAIT_S)
    except asyncio.TimeoutError:
        pass


async def assign_from_start(consumer: AIOKafkaConsumer, settings: HubSettings,
                            topics: list[str]) -> list[TopicPartition]:
    """Assign every partition of topics to a started groupless consumer, at their beginning."""
    numbers = await partitions_of(settings, topics)
    partitions = [TopicPartition(t, p) for t in topics for p in numbers[t]]
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    return partitions


async def read_to_end(settings: HubSettings, topic: str) -> list:
    """Return every record of a topic up to the end offsets it has when the reading starts."""
    return await read_from(settings, topic, {})


async def behind(consumer: AIOKafkaConsumer, ends: dict) -> bool:
    """Tell whether the consumer's position is short of any partition's end offset."""
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


async def read_from(settings: HubSettings, topic: str, starts: dict[int, int]) -> list:
    """Return the records of a topic from the given offset of each partition (the start where none is
    given) up to the end offsets it has when the reading starts."""
    return [record async for batch in batches_from(settings, topic, starts) for record in batch]


async def batches_from(settings: HubSettings, topic: str, starts: dict[int, int]):
    """Yield the records of a topic in batches, from the given offset of each partition (the start where none
    is given) up to the end offsets it has when the reading starts: a reader of millions holds one batch."""
    consumer = make_consumer(settings, enable_auto_commit=False, group_id=None,
                             fetch_max_wait_ms=READ_FETCH_MAX_WAIT_MS)
    await consumer.start()
    try:
        numbers = await partitions_of(settings, [topic])
        partitions = [TopicPartition(topic, p) for p in numbers[topic]]
        ends = await consumer.end_offsets(partitions)  # before any fetch is in flight
        if not any(ends.values()):
            return
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        for tp in partitions:
            if tp.partition in starts:
                consumer.seek(tp, starts[tp.partition])
        while await behind(consumer, ends):
            for part in (await consumer.getmany(timeout_ms=500, max_records=READ_BATCH_RECORDS)).values():
                batch = [r for r in part if r.offset < ends[TopicPartition(r.topic, r.partition)]]
                if batch:
                    yield batch
    finally:
        await stop_reader(consumer)


async def read_since(settings: HubSettings, topic: str, since_ms: int) -> list:
    """Return the records of a topic from the first of each partition stamped at or after since_ms (the
    broker's time index) up to the end offsets it has when the reading starts: what is older is not read."""
    return await read_from(settings, topic, await offsets_at(settings, topic, since_ms))


async def batches_since(settings: HubSettings, topic: str, since_ms: int):
    """Yield, in batches, what read_since returns."""
    async for batch in batches_from(settings, topic, await offsets_at(settings, topic, since_ms)):
        yield batch


async def offsets_at(settings: HubSettings, topic: str, at_ms: int) -> dict[int, int]:
    """Return the first offset of each partition stamped at or after at_ms (the end offset where none is)."""
    consumer = make_consumer(settings, group_id=None)
    await consumer.start()
    try:
        numbers = await partitions_of(settings, [topic])
        partitions = [TopicPartition(topic, p) for p in numbers[topic]]
        found = await consumer.offsets_for_times(dict.fromkeys(partitions, at_ms))
        ends = await consumer.end_offsets(partitions)
        return {tp.partition: found[tp].offset if found.get(tp) is not None else ends[tp] for tp in partitions}
    finally:
        await stop_reader(consumer)


async def end_offsets_of(settings: HubSettings, topic: str) -> dict[int, int]:
    """Return the end offset of each partition of a topic."""
    consumer = make_consumer(settings, group_id=None)
    await consumer.start()
    try:
        numbers = await partitions_of(settings, [topic])
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in numbers[topic]])
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await stop_reader(consumer)


async def batches_to_end(settings: HubSettings, topic: str, partitions: list[int] | None = None):
    """Yield (records, total) batches of a topic's partitions (all when None), from their start up to the end
    offsets they have when the reading starts; total is how many offsets the reading covers."""
    consumer = make_consumer(settings, enable_auto_commit=False, group_id=None,
                             fetch_max_wait_ms=READ_FETCH_MAX_WAIT_MS)
    await consumer.start()
    try:
        numbers = partitions if partitions is not None else (await partitions_of(settings, [topic]))[topic]
        assigned = [TopicPartition(topic, p) for p in numbers]
        starts, ends = await consumer.beginning_offsets(assigned), await consumer.end_offsets(assigned)
        consumer.assign(assigned)  # after the look-ups: no fetch holds them up
        await consumer.seek_to_beginning(*assigned)
        total = sum(ends[tp] - starts[tp] for tp in assigned)
        while await behind(consumer, ends):
            for part in (await consumer.getmany(timeout_ms=500, max_records=READ_BATCH_RECORDS)).values():
                yield [r for r in part if r.offset < ends[TopicPartition(r.topic, r.partition)]], total
    finally:
        await stop_reader(consumer)
