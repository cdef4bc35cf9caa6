"""Runs a sink: a consumer group over one topic, each batch written by the sink, then committed."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from connectors.metrics import ConnectorSensor
from hub.codec import AvroCodec
from hub.kafka.connection import make_consumer
from hub.kafka.producer import make_producer
from hub.kafka.topics import DEAD_LETTERS
from hub.settings import HubSettings

log = logging.getLogger(__name__)


class Sink(Protocol):
    """What a sink does with a batch of one partition's records; it returns only once each is
    delivered or dead-lettered (so the batch may be committed), and must tolerate replays."""

    name: str

    async def write(self, records: list[ConsumerRecord]) -> None:
        """Deliver the records (in order per key)."""


class DeadLetters:
    """Sends what a sink gave up on to the dead-letter topic, with the original bytes."""

    def __init__(self, settings: HubSettings, codec: AvroCodec, sink: str):
        """Dead-letter for the named sink."""
        self.settings, self.codec, self.sink = settings, codec, sink
        self.topic = DEAD_LETTERS.name(settings)
        self._producer: AIOKafkaProducer | None = None
        self.sent = 0

    async def send(self, record: ConsumerRecord, target: str, attempts: int, reason: str, error: str) -> None:
        """Publish one dead letter and wait for the broker's acknowledgement."""
        if self._producer is None:
            self._producer = make_producer(self.settings)
            await self._producer.start()
        value = self.codec.encode("DeadLetter", {
            "dead_letter_id": f"{self.sink}/{record.topic}/{record.partition}/{record.offset}", "sink": self.sink,
            "target": target, "source_topic": record.topic, "source_partition": record.partition,
            "source_offset": record.offset, "key": record.key.decode("utf-8", "replace") if record.key else None,
            "original": record.value or b"", "attempts": attempts, "reason_code": reason, "error": error[:4000],
            "failed_at": int(time.time() * 1000)})
        await (await self._producer.send(self.topic, value, key=record.key))
        self.sent += 1
        log.error("%s gave up on %s[%d]@%d for %s after %d attempts: %s", self.sink, record.topic, record.partition,
                  record.offset, target, attempts, error)

    async def close(self) -> None:
        """Flush and disconnect."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None


async def lag_of(consumer: AIOKafkaConsumer) -> int:
    """Return how many messages of its assigned partitions the consumer has not yet read."""
    lag = 0
    for tp in consumer.assignment():
        lag += max(0, (consumer.highwater(tp) or 0) - await consumer.position(tp))
    return lag


async def run_sink(settings: HubSettings, topics: list[str], group: str, sink: Sink, sensor: ConnectorSensor,
                   stop: asyncio.Event, max_records: int = 500) -> None:
    """Consume the topics as `group` and hand each partition's batch to the sink, committing after each
    batch is written; return once `stop` is set (the batch in hand is finished and committed first)."""
    consumer = make_consumer(settings, *topics, group_id=group,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                session_timeout_ms=int(settings.session_timeout_s * 1000))
    await consumer.start()
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=500, max_records=max_records)
            if batch:
                await asyncio.gather(*(sink.write(records) for records in batch.values()))
                await consumer.commit()
            sensor.on_lag(await lag_of(consumer))
    finally:
        await consumer.stop()
