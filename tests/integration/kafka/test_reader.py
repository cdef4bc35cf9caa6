"""Reading a topic in bounded batches from a moment on, against the real broker."""

from __future__ import annotations

import asyncio
import time

from hub.kafka.admin import provision
from hub.kafka.producer import make_producer, send_by_key
from hub.kafka.reader import READ_BATCH_RECORDS, batches_since, read_since
from hub.kafka.topics import CHECK_AUDIT
from hub.settings import HubSettings


async def _send(settings: HubSettings, topic: str, first: int, count: int) -> None:
    producer = make_producer(settings, linger_ms=20)
    await producer.start()
    try:
        messages = [(topic, f"key-{n % 31}".encode(), f"value-{n}".encode()) for n in range(first, first + count)]
        await asyncio.gather(*await send_by_key(producer, messages))
    finally:
        await producer.stop()


async def _batches(settings: HubSettings, topic: str, since_ms: int) -> list[list]:
    return [batch async for batch in batches_since(settings, topic, since_ms)]


def test_batches_since_a_moment_hold_each_later_record_once_and_never_more_than_a_batch(
        hub_settings: HubSettings) -> None:
    asyncio.run(provision(hub_settings, [CHECK_AUDIT]))
    topic = CHECK_AUDIT.name(hub_settings)
    asyncio.run(_send(hub_settings, topic, 0, 300))  # before the moment: never read
    time.sleep(0.05)
    moment_ms = int(time.time() * 1000)
    time.sleep(0.05)
    later = 2 * READ_BATCH_RECORDS + 700
    asyncio.run(_send(hub_settings, topic, 300, later))
    batches = asyncio.run(_batches(hub_settings, topic, moment_ms))
    values = [record.value for batch in batches for record in batch]
    assert sorted(values) == sorted(f"value-{n}".encode() for n in range(300, 300 + later))
    assert max(len(batch) for batch in batches) <= READ_BATCH_RECORDS and len(batches) >= 3
    assert sorted(r.value for r in asyncio.run(read_since(hub_settings, topic, moment_ms))) == sorted(values)
