"""The regional client: checks events as the hub would, then publishes them keyed by record id and confirmed."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, NamedTuple, Sequence

from aiokafka.errors import KafkaError

from connectors.client.events import RegionalEvent
from connectors.client.pool import WorkerPool
from connectors.client.prepare import VALUE_DEFAULTS, Prepared, Preparer, invalid
from connectors.client.versions import Known, MemoryVersions, VersionBook, next_version
from connectors.sensors import NULL_CONNECTOR_SENSOR, ConnectorSensor
from hub.codec import AvroCodec, SchemaRegistry
from hub.domain.catalog import Catalog
from hub.domain.reasons import Refusal, refuse
from hub.domain.regions import region_of_record
from hub.errors import DeliveryError, InvalidEventError
from hub.kafka.catalog_follower import CatalogFollower
from hub.kafka.producer import make_producer
from hub.kafka.topics import regional_events_topic
from hub.settings import HubSettings

log = logging.getLogger(__name__)


REQUIRED_VALUES = ("event_id", "record_id", "record_type", "action", "unit", "officer", "ground", "occurred_at")


class Delivery(NamedTuple):
    """An event the broker has acknowledged: where it landed."""

    event_id: str
    record_id: str
    version: int
    partition: int
    offset: int


class RegionalClient:
    """Publishes one region's events: checked as the hub checks them, then sent keyed by record id,
    many to a message where they share a partition, and confirmed by the broker (with retries)."""

    def __init__(self, settings: HubSettings, region: str, codec: AvroCodec, catalog: Catalog,
                 versions: VersionBook | None = None, batch_events: int = 500, max_attempts: int = 5,
                 retry_backoff_s: float = 0.2, sensor: ConnectorSensor = NULL_CONNECTOR_SENSOR,
                 clock_ms: Callable[[], int] = lambda: int(time.time() * 1000), workers: int = 0):
        """Publish to the region's events topic; `catalog` holds the passports and books to check against;
        `workers` processes run prepare() tasks (0: this process does)."""
        self.settings, self.region, self.codec, self.catalog = settings, region, codec, catalog
        self.versions = versions if versions is not None else MemoryVersions()
        self.batch_events, self.max_attempts, self.retry_backoff_s = batch_events, max_attempts, retry_backoff_s
        self.sensor, self.clock_ms = sensor, clock_ms
        self.topic = regional_events_topic(region).name(settings)
        self._producer = None
        self._partitions = 0
        self._follower: CatalogFollower | None = None
        self._in_flight: dict[str, Known] = {}
        self.workers = workers
        self.pool = WorkerPool(codec, self._schemas_dirs(), 0)  # in this process until start() spawns workers

    @classmethod
    async def connect(cls, settings: HubSettings, region: str, timeout_s: float = 60.0,
                      **options: Any) -> "RegionalClient":
        """Return a started client whose catalog follows the hub's passport and reference topics live."""
        codec = AvroCodec(SchemaRegistry.from_dirs(settings.schemas_dir, settings.released_schemas_dir))
        catalog = Catalog()
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

    def _schemas_dirs(self) -> tuple[Path, Path]:
        return self.settings.schemas_dir, self.settings.released_schemas_dir

    async def __aenter__(self) -> "RegionalClient":
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()

    async def start(self) -> None:
        """Connect the idempotent producer and learn the topic's partitions."""
        if self.workers > 0 and self.pool.workers == 0:
            self.pool = WorkerPool(self.codec, self._schemas_dirs(), self.workers)
            await self.pool.start()
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
        self.pool.close()
        self.pool = WorkerPool(self.codec, self._schemas_dirs(), 0)

    def check(self, events: Sequence[RegionalEvent | dict[str, Any]]) -> list[Prepared | InvalidEventError]:
        """Check events (builders, or RecordEvent values as an outbox holds them) in order, a later one
        seeing the versions of the earlier ones that passed, without sending."""
        now_ms = self.clock_ms()
        preparer = Preparer(self.region, self.codec, self.catalog, self._partitions)
        self._prefetch(event["record_id"] if isinstance(event, dict) else event.record_id for event in events)
        planned: dict[str, Known] = {}
        results: list[Prepared | InvalidEventError] = []
        for position, event in enumerate(events):
            value = self._resolve_one(event, planned, position)
            result = value if isinstance(value, InvalidEventError) else preparer.prepare(value, now_ms, position)
            if isinstance(result, Prepared):
                planned[result.record_id] = (result.version, result.live)
            results.append(result)
        return results

    async def prepare(self, task: Callable[..., list], items: Sequence, *args: Any) -> list:
        """Run a preparing task over items in the client's worker processes (or here, with none):
        task(part, context, region, partitions, now_ms, *args) must return one result per item."""
        return await self.pool.run(task, items, self.catalog, self.region, self._partitions, self.clock_ms(), *args)

    def admit(self, prepared: Sequence[Prepared | InvalidEventError],
              positions: Sequence[int] | None = None) -> list[Prepared | InvalidEventError]:
        """Check the versions of events prepared elsewhere (by prepare() tasks) against the version book, in
        order, a later one seeing the earlier ones that passed; errors pass through. A refusal's position
        is the event's in `positions` (default: its index)."""
        self._prefetch(item.record_id for item in prepared if isinstance(item, Prepared))
        planned: dict[str, Known] = {}
        results: list[Prepared | InvalidEventError] = []
        for position, item in enumerate(prepared):
            if not isinstance(item, Prepared):
                results.append(item)
                continue
            version = next_version(self._known(item.record_id, planned), item.action, item.version, item.record_id)
            if isinstance(version, Refusal):
                results.append(invalid(version, positions[position] if positions is not None else position))
            else:
                planned[item.record_id] = (item.version, item.live)
                results.append(item)
        return results

    def _resolve_one(self, event: RegionalEvent | dict[str, Any], planned: dict[str, Known],
                     position: int) -> dict[str, Any] | InvalidEventError:
        if isinstance(event, dict):
            missing = [name for name in REQUIRED_VALUES if event.get(name) in (None, "")]
            if missing:
                return invalid(refuse("MISSING_FIELD", "fields", missing[0], fields=missing), position)
            record_id, action, given = event["record_id"], event["action"], event.get("version")
            make = lambda version: {**VALUE_DEFAULTS, **event, "region": self.region, "version": version}  # noqa: E731
        else:
            record_id, action, given, make = event.record_id, event.action, event.version, event.to_event
        if region_of_record(str(record_id)) != self.region:
            return invalid(refuse("REGION_MISMATCH", "record_not_of", "record_id", value=record_id,
                                  region=self.region), position)
        version = next_version(self._known(record_id, planned), action, given, record_id)
        if isinstance(version, Refusal):
            return invalid(version, position)
        return make(version)

    def _known(self, record_id: str, planned: dict[str, Known]) -> Known | None:
        return planned.get(record_id) or self._in_flight.get(record_id) or self.versions.known(record_id)

    def _prefetch(self, record_ids: Iterable[str]) -> None:
        prefetch = getattr(self.versions, "prefetch", None)
        if prefetch is not None:
            prefetch([rid for rid in record_ids if isinstance(rid, str) and rid not in self._in_flight])

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

    def send_prepared(self, prepared: Sequence[Prepared]) -> Awaitable[list[Delivery]]:
        """Publish checked events, many to a message per partition, and wait for the broker's acknowledgement.

        Their versions count as sent from this call on (not from the first await), so events checked
        while these are in flight follow them. Partitions go in parallel; within one, messages go one
        after another, so a retry never lets a later version of a record overtake an earlier one.
        """
        sending = {item.record_id: (item.version, item.live) for item in prepared}
        self._in_flight.update(sending)
        return self._send_and_confirm(list(prepared), sending)

    async def _send_and_confirm(self, prepared: list[Prepared], sending: dict[str, Known]) -> list[Delivery]:
        try:
            by_partition: dict[int, list[int]] = {}
            for position, item in enumerate(prepared):
                by_partition.setdefault(item.partition, []).append(position)
            sent = await asyncio.gather(*(self._send_partition(p, [prepared[i] for i in positions])
                                          for p, positions in by_partition.items()))
            ordered: list[Delivery] = [None] * len(prepared)  # type: ignore[list-item]
            for positions, deliveries in zip(by_partition.values(), sent):
                for position, delivery in zip(positions, deliveries):
                    ordered[position] = delivery
            self.versions.confirm(sending)
            return ordered
        finally:
            for record_id, known in sending.items():
                if self._in_flight.get(record_id) == known:
                    del self._in_flight[record_id]

    async def _send_partition(self, partition: int, items: list[Prepared]) -> list[Delivery]:
        deliveries: list[Delivery] = []
        for start in range(0, len(items), self.batch_events):
            deliveries.extend(await self._send_chunk(partition, items[start:start + self.batch_events]))
        return deliveries

    async def _send_chunk(self, partition: int, chunk: list[Prepared]) -> list[Delivery]:
        if len(chunk) == 1:
            value, key = chunk[0].encoded, chunk[0].record_id.encode()
        else:
            batch_id = f"{self.region}-{partition}-{uuid.uuid4()}"
            value = self.codec.encode_with_items("RecordEventBatch", {"batch_id": batch_id, "region": self.region},
                                                 [item.encoded for item in chunk])
            key = chunk[0].record_id.encode()
        offset = await self._send_with_retries(value, key, partition, len(chunk))
        return [Delivery(item.event_id, item.record_id, item.version, partition, offset) for item in chunk]

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
