"""Runs a sink: a consumer group over its topics, records delivered per receiver or written batch by batch."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from connectors.sensors import ConnectorSensor
from connectors.sinks.delivery import Deliveries
from hub.codec import AvroCodec
from hub.kafka.connection import make_consumer
from hub.kafka.producer import make_producer
from hub.kafka.topics import DEAD_LETTERS
from hub.settings import HubSettings

log = logging.getLogger(__name__)
POLL_MS = 200  # the consumer polls this often while receivers take their time, so it is never rebalanced out


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
        log.warning("%s gave up on %s[%d]@%d for %s after %d attempts: %s", self.sink, record.topic, record.partition,
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


async def run_sink(settings: HubSettings, topics: list[str], group: str, sink, sensor: ConnectorSensor,
                   stop: asyncio.Event, max_records: int = 500) -> None:
    """Consume the topics as `group` and hand records to the sink until `stop` is set: to per-receiver queues
    when the sink has a delivery policy (webhook, email), else batch by batch (PostgreSQL)."""
    consumer = make_consumer(settings, *topics, group_id=group,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             session_timeout_ms=int(settings.session_timeout_s * 1000))
    await consumer.start()
    try:
        if getattr(sink, "policy", None) is not None:
            await _deliver_to_receivers(consumer, sink, sensor, stop, max_records)
        else:
            await _write_batches(consumer, sink, sensor, stop, max_records)
    finally:
        await consumer.stop()


async def _write_batches(consumer: AIOKafkaConsumer, sink: Sink, sensor: ConnectorSensor, stop: asyncio.Event,
                         max_records: int) -> None:
    """Hand each partition's batch to the sink, committing after each batch is written."""
    while not stop.is_set():
        batch = await consumer.getmany(timeout_ms=500, max_records=max_records)
        if batch:
            await asyncio.gather(*(sink.write(records) for records in batch.values()))
            await consumer.commit()
        sensor.on_lag(await lag_of(consumer))
        sensor.on_assigned(len(consumer.assignment()))


async def _deliver_to_receivers(consumer: AIOKafkaConsumer, sink, sensor: ConnectorSensor, stop: asyncio.Event,
                                max_records: int) -> None:
    """Queue records per receiver and keep polling; pause what fills a queue; commit what is finished."""
    deliveries = Deliveries(sink, sink.dead_letters, sensor)
    positions: dict[TopicPartition, int] = {}
    committed: dict[TopicPartition, int] = {}
    paused: set[TopicPartition] = set()
    try:
        while not stop.is_set():
            for tp, records in (await consumer.getmany(timeout_ms=POLL_MS, max_records=max_records)).items():
                for record in records:
                    deliveries.take(tp, record)
                positions[tp] = records[-1].offset + 1
            backlog = deliveries.backlogged()
            if backlog != paused:
                consumer.resume(*(paused - backlog))
                consumer.pause(*(backlog - paused))
                paused = backlog
            await _commit_finished(consumer, deliveries, positions, committed)
            sensor.on_lag(await lag_of(consumer) + deliveries.waiting())
            sensor.on_assigned(len(consumer.assignment()))
        await _commit_finished(consumer, deliveries, positions, committed)
    finally:
        await deliveries.close()


async def _commit_finished(consumer: AIOKafkaConsumer, deliveries: Deliveries, positions: dict[TopicPartition, int],
                           committed: dict[TopicPartition, int]) -> None:
    assigned = consumer.assignment()
    offsets = {tp: offset for tp, offset in deliveries.committable(positions).items()
               if tp in assigned and committed.get(tp) != offset}
    if offsets:
        await consumer.commit(offsets)
        committed.update(offsets)
