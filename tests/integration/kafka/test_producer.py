"""Sending many messages as record batches, against the real broker."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.partitioner import DefaultPartitioner

from hub.kafka.admin import provision
from hub.kafka.producer import append_by_key, make_producer, send_by_key
from hub.kafka.topics import CHECK_AUDIT, EVENTS
from hub.settings import HubSettings
from tests.integration.helpers import read_topic


async def _send_both_ways(settings: HubSettings, messages: list[tuple[str, bytes, bytes]], send) -> dict[bytes, int]:
    """Send messages with `send` and return where aiokafka's own partitioner puts each key."""
    producer = make_producer(settings, linger_ms=0)
    await producer.start()
    try:
        await asyncio.gather(*await send(producer, messages))
        partitions = {topic: sorted(await producer.partitions_for(topic)) for topic, _, _ in messages}
        default = DefaultPartitioner()
        return {key: default(key, partitions[topic], partitions[topic]) for topic, key, _ in messages}
    finally:
        await producer.stop()


@pytest.mark.parametrize("send", [send_by_key, append_by_key])
def test_sending_by_key_puts_every_message_where_the_default_partitioner_would_in_order(
        hub_settings: HubSettings, send) -> None:
    asyncio.run(provision(hub_settings, [EVENTS.spec("KZ-75"), CHECK_AUDIT]))
    results, audit = EVENTS.name(hub_settings, "KZ-75"), CHECK_AUDIT.name(hub_settings)
    messages = [(results if n % 3 else audit, f"unit-{n % 17}".encode(), f"value-{n}".encode()) for n in range(600)]
    expected_partition = asyncio.run(_send_both_ways(hub_settings, messages, send))
    for topic in (results, audit):
        sent = [(key, value) for t, key, value in messages if t == topic]
        read = asyncio.run(read_topic(hub_settings, topic, expect=len(sent)))
        assert sorted((r.key, r.value) for r in read) == sorted(sent)  # each once: none lost, none twice
        for record in read:
            assert record.partition == expected_partition[record.key]
        for partition in {r.partition for r in read}:  # in send order within a partition
            values = [r.value for r in read if r.partition == partition]
            assert values == [v for k, v in sent if expected_partition[k] == partition]


async def _returns_while_a_batch_lingers(settings: HubSettings, send) -> bool:
    """Send twice to one partition with a producer that lingers 3 s; tell whether both sends returned within
    one second (the first batch still waiting to go)."""
    producer = make_producer(settings, linger_ms=3_000, enable_idempotence=False)
    await producer.start()
    topic = CHECK_AUDIT.name(settings)
    try:
        futures = await send(producer, [(topic, b"one", b"1")])
        try:
            futures += await asyncio.wait_for(send(producer, [(topic, b"one", b"2")]), timeout=1)
        except asyncio.TimeoutError:
            return False
        await producer.flush()
        await asyncio.gather(*futures)
        return True
    finally:
        await producer.stop()


def test_appending_by_key_does_not_wait_for_the_batch_that_lingers(hub_settings: HubSettings) -> None:
    """The matcher's audit and notices linger to go out together; the answering must not wait on them."""
    asyncio.run(provision(hub_settings, [CHECK_AUDIT]))
    assert asyncio.run(_returns_while_a_batch_lingers(hub_settings, append_by_key))
    assert not asyncio.run(_returns_while_a_batch_lingers(hub_settings, send_by_key))  # why send_batch is not used
