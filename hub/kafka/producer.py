"""Publishing encoded messages with an idempotent, acks=all producer."""

from __future__ import annotations

import asyncio
from typing import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from hub.errors import BrokerError
from hub.settings import HubSettings


def make_producer(settings: HubSettings, **overrides) -> AIOKafkaProducer:
    """Return an (unstarted) idempotent producer with acks=all."""
    options = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True,
        linger_ms=5, max_batch_size=512 * 1024, request_timeout_ms=int(settings.request_timeout_s * 1000),
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


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
