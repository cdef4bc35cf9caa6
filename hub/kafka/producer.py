"""Publishing encoded messages with an idempotent, acks=all producer."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from hub.errors import BrokerError
from hub.kafka.connection import client_options
from hub.kafka.partitioning import partition_for
from hub.settings import HubSettings

Sent = list[tuple[asyncio.Future, int]]


def make_producer(settings: HubSettings, **overrides) -> AIOKafkaProducer:
    """Return an (unstarted) idempotent producer with acks=all, compressing as the settings say."""
    options = dict(
        **client_options(settings), acks="all", enable_idempotence=True, compression_type=compression_of(settings),
        linger_ms=5, max_batch_size=512 * 1024, request_timeout_ms=int(settings.request_timeout_s * 1000),
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


def compression_of(settings: HubSettings) -> str | None:
    """Return the producers' compression type as aiokafka and Faust name it (None: none)."""
    return None if settings.kafka_compression_type == "none" else settings.kafka_compression_type


async def publish(settings: HubSettings, topic: str,
                  messages: Iterable[tuple[str | None, bytes | None]]) -> int:
    """Send (key, value) pairs to a topic and wait until the broker acknowledged all of them."""
    producer = make_producer(settings)
    sent = 0
    try:
        await producer.start()
        futures = []
        for key, value in messages:
            futures.append(await producer.send(topic, value=value,
                                               key=key.encode() if key is not None else None))
        for future in futures:
            await future
            sent += 1
        return sent
    except KafkaError as exc:
        raise BrokerError(f"publishing to {topic} failed after {sent} messages: {exc!r}") from exc
    finally:
        await producer.stop()


async def publish_placed(settings: HubSettings,
                         messages: Iterable[tuple[str, int | None, bytes | None, bytes | None]]) -> int:
    """Send (topic, partition or None for by key, key, value) and wait until the broker acknowledged all."""
    producer = make_producer(settings, linger_ms=20)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key, partition=partition)
                   for topic, partition, key, value in messages]
        await asyncio.gather(*futures)
        return len(futures)
    except KafkaError as exc:
        raise BrokerError(f"publishing failed: {exc!r}") from exc
    finally:
        await producer.stop()


async def send_in_batches(producer: AIOKafkaProducer, topic: str, partition: int,
                          items: list[tuple[bytes | None, bytes | None]]) -> Sent:
    """Send (key, value) pairs to one partition as few record batches (one send each, not one per
    message); return each batch's future (its result's offset is the batch's first) and its size."""
    sent, batch, count = [], producer.create_batch(), 0
    for key, value in items:
        if batch.append(key=key, value=value, timestamp=None) is None:
            sent.append((await producer.send_batch(batch, topic, partition=partition), count))
            batch, count = producer.create_batch(), 0
            batch.append(key=key, value=value, timestamp=None)
        count += 1
    if count:
        sent.append((await producer.send_batch(batch, topic, partition=partition), count))
    return sent


async def send_by_key(producer: AIOKafkaProducer, messages: list[tuple[str, bytes, bytes]]) -> list[asyncio.Future]:
    """Send (topic, key, value) messages, each to the partition its key gives as Kafka's default partitioner
    would, as one record batch per partition; return the batches' futures."""
    groups: dict[tuple[str, int], list] = defaultdict(list)
    for topic, partition, key, value in await _placed_by_key(producer, messages):
        groups[(topic, partition)].append((key, value))
    futures = []
    for (topic, partition), items in groups.items():
        futures += [future for future, _ in await send_in_batches(producer, topic, partition, items)]
    return futures


async def append_by_key(producer: AIOKafkaProducer, messages: list[tuple[str, bytes, bytes]]) -> list[asyncio.Future]:
    """Send (topic, key, value) messages one by one, each to its key's partition: they join the batch that
    lingers for that partition (send_batch would wait for it to go first); return their futures."""
    return [await producer.send(topic, value, key=key, partition=partition)
            for topic, partition, key, value in await _placed_by_key(producer, messages)]


async def _placed_by_key(producer: AIOKafkaProducer,
                         messages: list[tuple[str, bytes, bytes]]) -> list[tuple[str, int, bytes, bytes]]:
    """Return (topic, partition, key, value): each message with the partition Kafka's default partitioner
    gives its key."""
    counts: dict[str, int] = {}
    placed = []
    for topic, key, value in messages:
        if topic not in counts:
            counts[topic] = len(await producer.partitions_for(topic))
        placed.append((topic, partition_for(key, counts[topic]), key, value))
    return placed
