"""Baseline of the matcher benchmark: plain aiokafka answering each check request with its own bytes.

It reads and sends with the matcher's consumer and producer settings and its poll rounds, so the
benchmark can set the matcher's latency beside what Kafka and aiokafka alone take on the same machine.
Run as `python -m hub.bench.echo` with the benchmark's HUB_ settings.
"""

from __future__ import annotations

import asyncio

from hub.kafka.connection import make_consumer
from hub.kafka.producer import make_producer, send_by_key
from hub.kafka.topics import CHECK_REQUESTS, CHECK_RESULTS, CHECK_SCOPES
from hub.services.matcher import FETCH_MAX_WAIT_MS, FETCH_MIN_BYTES, MAX_ROUND_CHECKS
from hub.settings import HubSettings

ECHO_KEY = b"echo"  # one key, as the matcher's results to one requester share its unit's key


async def echo(settings: HubSettings) -> None:
    """Send every check request's bytes back on the results topic until cancelled."""
    consumer = make_consumer(settings, *CHECK_REQUESTS.names(settings), group_id=f"{settings.app_id}-echo", enable_auto_commit=False,
                                auto_offset_reset="earliest", fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
                                fetch_min_bytes=FETCH_MIN_BYTES)
    producer = make_producer(settings, linger_ms=0, enable_idempotence=False)
    await consumer.start()
    await producer.start()
    results = {CHECK_REQUESTS.name(settings, scope): CHECK_RESULTS.name(settings, scope) for scope in CHECK_SCOPES}
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=20, max_records=MAX_ROUND_CHECKS)
            outputs = [(results[record.topic], ECHO_KEY, record.value) for records in batch.values() for record in records]
            if outputs:
                await send_by_key(producer, outputs)
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    import uvloop
    uvloop.install()
    asyncio.run(echo(HubSettings()))
