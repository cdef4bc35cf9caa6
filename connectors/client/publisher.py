"""The regional client: checks events as the hub would, then publishes them keyed by record id and confirmed."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from aiokafka.errors import KafkaError

from connectors.client.events import RegionalEvent
from connectors.client.versions import Known, MemoryVersions, VersionBook, next_version
from connectors.metrics import ConnectorSensor, NULL_CONNECTOR_SENSOR
from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.domain.reasons import Refusal
from hub.domain.regions import region_of_record
from hub.domain.validation import check_event
from hub.errors import DeliveryError, EncodeError, InvalidEventError
from hub.kafka.partitioning import partition_for
from hub.kafka.producer import make_producer
from hub.kafka.topics import regional_events_topic
from hub.services.catalog_follower import CatalogFollower
from hub.services.processor import hinted
from hub.services.refdata import codec_for
from hub.settings import HubSettings

log = logging.getLogger(__name__)


REQUIRED_VALUES = ("event_id", "record_id", "record_type", "action", "unit", "officer", "ground", "occurred_at")
VALUE_DEFAULTS = {"valid_until": None, "source_sequence": 0, "document": None, "note": None}


@dataclass(frozen=True)
class Delivery:
    """An event the broker has acknowledged: where it landed."""

    event_id: str
    record_id: str
    version: int
    partition: int
    offset: int


@dataclass(frozen=True)
class Prepared:
    """A checked event: its RecordEvent value, its single-object bytes and its partition."""

    value: dict[str, Any]
    encoded: bytes
    partition: int


def invalid(refusal: Refusal, position: int | None = None) -> InvalidEventError:
    """Return the client error for a refusal, with the hub's sentences."""
    return InvalidEventError(refusal.code, refusal.sentences(), refusal.field, position, refusal.detail)


class RegionalClient:
    """Publishes one region's events: checked as the hub checks them, then sent keyed by record id,
    many to a message where they share a partition, and confirmed by the broker (with retries)."""

    def __init__(self, settings: HubSettings, region: str, codec: AvroCodec, catalog: Catalog,
                 versions: VersionBook | None = None, batch_events: int = 500, max_attempts: int = 5,
                 retry_backoff_s: float = 0.2, sensor: ConnectorSensor = NULL_CONNECTOR_SENSOR,
                 clock_ms: Callable[[], int] = lambda: int(time.time() * 1000)):
        """Publish to the region's events topic; `catalog` holds the passports and books to check against."""
        self.settings, self.region, self.codec, self.catalog = settings, region, codec, catalog
        self.versions = versions if versions is not None else MemoryVersions()
        self.batch_events, self.max_attempts, self.retry_backoff_s = batch_events, max_attempts, retry_backoff_s
        self.sensor, self.clock_ms = sensor, clock_ms
        self.topic = regional_events_topic(region).name(settings)
        self._producer = None
        self._partitions = 0
        self._follower: CatalogFollower | None = None

    @classmethod
    async def connect(cls, settings: HubSettings, region: str, timeout_s: float = 60.0,
                      **options: Any) -> "RegionalClient":
        """Return a started client whose catalog follows the hub's passport and reference topics live."""
        codec, catalog = codec_for(settings), Catalog()
        follower = CatalogFollower(settings, codec, catalog)
        try:
            await asyncio.wait_for(follower.ready(), timeout_s)
        except asyncio.TimeoutError as exc:
            await follower.stop()
            raise DeliveryError(f"the passports and reference books were not read in {timeout_s} s") from exc
        client = cls(settings, region, codec, catalog, **options)
        client._follower = follower
        await client.start()
        return client

    async def __aenter__(self) -> "RegionalClient":
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()

    async def start(self) -> None:
        """Connect the idempotent producer and learn the topic's partitions."""
        self._producer = make_producer(self.settings, linger_ms=10, max_request_size=4 * 1024 * 1024)
        try:
            await self._producer.start()
            self._partitions = len(await self._producer.partitions_for(self.topic))
        except KafkaError as exc:
            raise DeliveryError(f"cannot connect to publish to {self.topic}: {exc!r}") from exc

    async def stop(self) -> None:
        """Wait for what is in flight, then disconnect."""
        if self._follower is not None:
            await self._follower.stop()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    def check(self, events: Sequence[RegionalEvent | dict[str, Any]]) -> list[Prepared | InvalidEventError]:
        """Check events (builders, or RecordEvent values as an outbox holds them) in order, a later one
        seeing the versions of the earlier ones, without sending."""
        planned: dict[str, Known] = {}
        results: list[Prepared | InvalidEventError] = []
        now_ms = self.clock_ms()
        for position, event in enumerate(events):
            result = self._check_one(event, planned, now_ms, position)
            if isinstance(result, Prepared):
                planned[result.value["record_id"]] = (result.value["version"], result.value["action"] != "REMOVE")
            results.append(result)
        return results

    def _check_one(self, event: RegionalEvent | dict[str, Any], planned: dict[str, Known], now_ms: int,
                   position: int) -> Prepared | InvalidEventError:
        if isinstance(event, dict):
            missing = [name for name in REQUIRED_VALUES if event.get(name) in (None, "")]
            if missing:
                return invalid(Refusal("MISSING_FIELD", ", ".join(missing), missing[0]), position)
            record_id, action, given = event["record_id"], event["action"], event.get("version")
            make = lambda version: {**VALUE_DEFAULTS, **event, "region": self.region, "version": version}  # noqa: E731
        else:
            record_id, action, given, make = event.record_id, event.action, event.version, event.to_event
        if region_of_record(str(record_id)) != self.region:
            return invalid(Refusal("REGION_MISMATCH", f"record {record_id} is not of {self.region}", "record_id"),
                           position)
        version = next_version(planned.get(record_id) or self.versions.known(record_id), action, given, record_id)
        if isinstance(version, Refusal):
            return invalid(version, position)
        value = make(version)
        try:
            refusal = check_event(value, self.region, self.catalog, now_ms)
            if refusal is not None:
                return invalid(refusal, position)
            encoded = self.codec.encode("RecordEvent", hinted(value))
        except (EncodeError, TypeError, AttributeError) as exc:  # a value of the wrong type
            return invalid(Refusal("INVALID_FIELD", str(exc)[:500]), position)
        return Prepared(value, encoded, partition_for(record_id.encode(), self._partitions or 1))

    async def send(self, event: RegionalEvent) -> Delivery:
        """Check and publish one event; raise InvalidEventError (nothing sent) or DeliveryError."""
        return (await self.send_many([event]))[0]

    async def send_many(self, events: Sequence[RegionalEvent]) -> list[Delivery]:
        """Check every event first (raise the first InvalidEventError, nothing sent), then publish all."""
        prepared = self.check(events)
        for result in prepared:
            if isinstance(result, InvalidEventError):
                self.sensor.on_invalid(result.reason)
                raise result
        return await self.send_prepared(prepared)  # type: ignore[arg-type]

    async def send_prepared(self, prepared: Sequence[Prepared]) -> list[Delivery]:
        """Publish checked events, many to a message per partition, and wait for the broker's acknowledgement.

        Partitions go in parallel; within one, messages go one after another, so a retry never
        lets a later version of a record overtake an earlier one.
        """
        by_partition: dict[int, list[int]] = {}
        for position, item in enumerate(prepared):
            by_partition.setdefault(item.partition, []).append(position)
        sent = await asyncio.gather(*(self._send_partition(p, [prepared[i] for i in positions])
                                      for p, positions in by_partition.items()))
        ordered: list[Delivery] = [None] * len(prepared)  # type: ignore[list-item]
        for positions, deliveries in zip(by_partition.values(), sent):
            for position, delivery in zip(positions, deliveries):
                ordered[position] = delivery
        self.versions.confirm({item.value["record_id"]: (item.value["version"], item.value["action"] != "REMOVE")
                               for item in prepared})
        return ordered

    async def _send_partition(self, partition: int, items: list[Prepared]) -> list[Delivery]:
        deliveries: list[Delivery] = []
        for start in range(0, len(items), self.batch_events):
            deliveries.extend(await self._send_chunk(partition, items[start:start + self.batch_events]))
        return deliveries

    async def _send_chunk(self, partition: int, chunk: list[Prepared]) -> list[Delivery]:
        if len(chunk) == 1:
            value, key = chunk[0].encoded, chunk[0].value["record_id"].encode()
        else:
            batch_id = f"{self.region}-{partition}-{uuid.uuid4()}"
            value = self.codec.encode_with_items("RecordEventBatch", {"batch_id": batch_id, "region": self.region},
                                                 [item.encoded for item in chunk])
            key = chunk[0].value["record_id"].encode()
        offset = await self._send_with_retries(value, key, partition, len(chunk))
        return [Delivery(item.value["event_id"], item.value["record_id"], item.value["version"], partition, offset)
                for item in chunk]

    async def _send_with_retries(self, value: bytes, key: bytes, partition: int, events: int) -> int:
        for attempt in range(1, self.max_attempts + 1):
            try:
                future = await self._producer.send(self.topic, value, key=key, partition=partition)
                metadata = await future
                self.sensor.on_sent(events)
                return metadata.offset
            except KafkaError as exc:
                if attempt == self.max_attempts or not getattr(exc, "retriable", False):
                    self.sensor.on_failed(events)
                    raise DeliveryError(f"{events} events to {self.topic}[{partition}] not acknowledged after "
                                        f"{attempt} attempts: {exc!r}") from exc
                self.sensor.on_retried(events)
                log.warning("retrying %d events to %s[%d] (attempt %d): %r", events, self.topic, partition,
                            attempt, exc)
                await asyncio.sleep(self.retry_backoff_s * 2 ** (attempt - 1))
        raise AssertionError("unreachable")
