"""The reconciler: compares each regional manifest with the central register once the hub has caught up."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.domain.limits import out_of_range
from hub.domain.reasons import Refusal, refuse
from hub.domain.reconcile import (
    Manifest,
    ManifestAssembly,
    hub_behind_notice,
    incomplete_notice,
    overdue_notice,
    overdue_since,
    report,
    report_notice,
)
from hub.domain.regions import REGION_CODES
from hub.errors import CodecError
from hub.kafka.applied import AppliedEvents, Mark
from hub.kafka.catalog_follower import CatalogFollower
from hub.kafka.connection import make_consumer
from hub.kafka.producer import make_producer
from hub.kafka.reader import assign_from_start, behind, read_to_end
from hub.kafka.topics import EVENTS, MANIFESTS, NOTIFICATIONS, REGISTER, REJECTED, REPORTS
from hub.services.register_table import register_state
from hub.services.rejections import Source, refusal_of, rejection_value
from hub.settings import HubSettings

log = logging.getLogger(__name__)
POLL_S = 0.5


class RegisterView:
    """Follows the register topic from the start, without a group: live versions by region and type."""

    def __init__(self, settings: HubSettings, codec: AvroCodec):
        """Follow the settings' register topic."""
        self.settings, self.codec = settings, codec
        self.live: dict[tuple[str, str], dict[str, int]] = {}
        self._home: dict[str, tuple[str, str]] = {}
        self.consumer: AIOKafkaConsumer | None = None

    async def run(self) -> None:
        """Consume forever."""
        topic = REGISTER.name(self.settings)
        self.consumer = make_consumer(self.settings, enable_auto_commit=False, group_id=None)
        await self.consumer.start()
        try:
            await assign_from_start(self.consumer, self.settings, [topic])
            while True:
                for records in (await self.consumer.getmany(timeout_ms=500, max_records=5000)).values():
                    for record in records:
                        self.apply(record.key.decode(), record.value)
        finally:
            await self.consumer.stop()

    def apply(self, record_id: str, value: bytes | None) -> None:
        """Apply one register message (None: a purge)."""
        home = self._home.pop(record_id, None)
        if home is not None:
            self.live[home].pop(record_id, None)
        state = None if value is None else register_state(self.codec, record_id, value)
        if state is not None and state["status"] == "LIVE":
            home = (state["region"], state["record_type"])
            self.live.setdefault(home, {})[record_id] = state["version"]
            self._home[record_id] = home

    async def reach_end(self) -> None:
        """Wait until everything on the register topic now has been read."""
        while self.consumer is None:
            await asyncio.sleep(POLL_S)
        partitions = list(self.consumer.assignment())
        ends = await self.consumer.end_offsets(partitions)
        while await behind(self.consumer, ends):
            await asyncio.sleep(POLL_S / 5)


@dataclass
class Waiting:
    """A whole manifest waiting for the aggregator to apply its region's events up to the ends seen then."""

    manifest: Manifest
    mark: Mark
    since_s: float


class Reconciler:
    """Reads manifest chunks; for each whole manifest, waits (for a while) for the hub, compares and reports.

    Nothing one region sends holds another back: offsets are committed per partition, up to the first chunk of
    a manifest still in hand; a manifest that never completes, or whose region the hub does not catch up with
    in time, is given up and its unit told. Regions whose manifests are overdue by their passports' schedules
    are flagged to the passports' administering units.
    """

    def __init__(self, settings: HubSettings, codec: AvroCodec, view: RegisterView, catalog: Catalog | None = None,
                 clock_ms: Callable[[], int] | None = None):
        """Reconcile with the settings' topics, against `view`."""
        self.settings, self.codec, self.view = settings, codec, view
        self.catalog = catalog or Catalog()
        self.clock_ms = clock_ms or _now_ms
        self.assembly = ManifestAssembly()
        self.waiting: dict[str, Waiting] = {}
        self.held: dict[str, list[tuple[TopicPartition, int]]] = {}  # manifest id -> its chunks' offsets
        self.positions: dict[TopicPartition, int] = {}
        self.last_manifest_ms: dict[tuple[str, str], int] = {}
        self.flagged: set[tuple[str, str, int]] = set()
        self.started_ms = self.clock_ms()
        self.reports = 0
        self._committed: dict[TopicPartition, int] = {}
        self._aggregator = AppliedEvents(settings)

    async def run(self) -> None:
        """Consume manifests forever, as the group '<app id>-reconciler'."""
        follower = CatalogFollower(self.settings, self.codec, self.catalog)
        await follower.ready()
        consumer = make_consumer(self.settings, *MANIFESTS.names(self.settings),
                                 group_id=f"{self.settings.app_id}-reconciler", enable_auto_commit=False,
                                 auto_offset_reset="earliest")
        producer = make_producer(self.settings)
        await consumer.start()
        await producer.start()
        try:
            await self.load_last_reports()
            overdue_at_s = float("-inf")
            while True:
                for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                    for record in records:
                        await self.take(producer, record)
                        self.positions[tp] = record.offset + 1
                await self.reconcile_waiting(producer)
                await self.give_up_incomplete(producer)
                if time.monotonic() - overdue_at_s >= self.settings.reconcile_overdue_interval_s:
                    await self.flag_overdue(producer)
                    overdue_at_s = time.monotonic()
                await self.commit(consumer)
        finally:
            await consumer.stop()
            await producer.stop()
            await self._aggregator.close()
            await follower.stop()

    async def take(self, producer, record) -> None:
        """Take one manifest chunk; a whole manifest then waits for the hub. Bad chunks are rejected."""
        source = Source(record.topic, record.partition, record.offset)
        try:
            chunk = self.codec.decode(record.value or b"", expect="ReconciliationManifest").value
        except CodecError as exc:
            await self.reject(producer, refusal_of(exc), source, record.value or b"", None)
            return
        scope = MANIFESTS.scope_of(self.settings, record.topic)
        refusal = out_of_range(chunk, self.clock_ms())
        if chunk["region"] != scope:
            refusal = refuse("REGION_MISMATCH", "manifest_elsewhere", "region", region=chunk["region"], scope=scope)
        if refusal is not None:
            await self.reject(producer, refusal, source, record.value or b"", {"region": scope, "unit": chunk["unit"]})
            return
        self.held.setdefault(chunk["manifest_id"], []).append((TopicPartition(record.topic, record.partition),
                                                               record.offset))
        manifest = self.assembly.add(chunk, self.clock_ms())
        if manifest is not None:
            region = manifest.header["region"]
            self.last_manifest_ms[(region, manifest.header["record_type"])] = self.clock_ms()
            mark = await self._aggregator.mark(EVENTS.name(self.settings, region))
            self.waiting[manifest.header["manifest_id"]] = Waiting(manifest, mark, time.monotonic())

    async def reject(self, producer, refusal: Refusal, source: Source, raw: bytes, event: dict | None) -> None:
        """Send a refused chunk to the rejected topic, where operators see it."""
        value = rejection_value(refusal, source, raw, event, self.clock_ms())
        await producer.send_and_wait(REJECTED.name(self.settings), self.codec.encode("Rejection", value),
                                     key=source.topic.encode())

    async def reconcile_waiting(self, producer) -> None:
        """Reconcile the whole manifests whose region the hub has caught up with; give up those waited too long."""
        for manifest_id, waiting in list(self.waiting.items()):
            if await self._aggregator.applied(waiting.mark):
                await self.view.reach_end()
                await self.reconcile(producer, waiting.manifest)
            elif time.monotonic() - waiting.since_s >= self.settings.reconcile_wait_s:
                log.warning("manifest %s given up: the aggregator did not apply the events of %s within %.0f s",
                            manifest_id, waiting.manifest.header["region"], self.settings.reconcile_wait_s)
                await self.notify(producer, hub_behind_notice(waiting.manifest.header, self.clock_ms()))
            else:
                continue
            del self.waiting[manifest_id]
            self.held.pop(manifest_id, None)

    async def reconcile(self, producer, manifest: Manifest) -> dict[str, Any]:
        """Compare a whole manifest with the register as the view holds it, and report."""
        region, record_type = manifest.header["region"], manifest.header["record_type"]
        central = dict(self.view.live.get((region, record_type), {}))
        value = report(manifest, central, self.clock_ms())
        await producer.send_and_wait(REPORTS.name(self.settings), self.codec.encode("ReconciliationReport", value),
                                     key=f"{region}/{record_type}".encode())
        await self.notify(producer, report_notice(value))
        self.reports += 1
        log.info("reconciled %s: %d differences", manifest.header["manifest_id"], len(value["differences"]))
        return value

    async def give_up_incomplete(self, producer) -> None:
        """Give up the manifests whose chunks stopped coming, telling their units."""
        timeout_ms = int(self.settings.reconcile_manifest_timeout_s * 1000)
        for incomplete in self.assembly.give_up(self.clock_ms(), timeout_ms):
            manifest_id = incomplete.header["manifest_id"]
            log.warning("manifest %s given up: %d of %d chunks in %.0f s", manifest_id, len(incomplete.received),
                        incomplete.header["chunk_count"], self.settings.reconcile_manifest_timeout_s)
            await self.notify(producer, incomplete_notice(incomplete, self.clock_ms()))
            self.held.pop(manifest_id, None)

    async def flag_overdue(self, producer) -> None:
        """Tell each passport's administering unit of the regions whose manifests are overdue by its schedule."""
        now_ms = self.clock_ms()
        for code, passport in sorted(self.catalog.passports.items()):
            if not passport.get("active") or not passport.get("reconciliation_schedule"):
                continue
            for region in REGION_CODES:
                last_ms = max(self.last_manifest_ms.get((region, code), 0), self.started_ms)
                fired = overdue_since(passport["reconciliation_schedule"], passport["reconciliation_deadline_days"],
                                      last_ms, now_ms)
                if fired is None or (region, code, fired) in self.flagged:
                    continue
                self.flagged.add((region, code, fired))
                log.warning("the manifest of %s / %s is overdue", region, code)
                await self.notify(producer, overdue_notice(region, code, passport["administering_unit"], fired,
                                                           passport["reconciliation_deadline_days"], now_ms))

    async def notify(self, producer, notice: dict[str, Any]) -> None:
        """Send a notice to its recipient's notifications topic."""
        topic = NOTIFICATIONS.name(self.settings, self.catalog.unit_scope(notice["recipient_unit"]))
        await producer.send_and_wait(topic, self.codec.encode("Notification", notice),
                                     key=notice["recipient_unit"].encode())

    async def commit(self, consumer) -> None:
        """Commit each partition up to the first chunk of a manifest still in hand, else to what was read."""
        offsets = committable(self.positions, self.held)
        changed = {tp: offset for tp, offset in offsets.items() if self._committed.get(tp) != offset}
        if changed:
            await consumer.commit(changed)
            self._committed.update(changed)

    async def load_last_reports(self) -> None:
        """Learn when each region's manifests were last reconciled, from the reports topic."""
        for record in await read_to_end(self.settings, REPORTS.name(self.settings)):
            try:
                value = self.codec.decode(record.value or b"", expect="ReconciliationReport").value
            except CodecError:
                continue
            key = (value["region"], value["record_type"])
            self.last_manifest_ms[key] = max(self.last_manifest_ms.get(key, 0), value["compared_at"])


def committable(positions: dict[TopicPartition, int],
                held: dict[str, list[tuple[TopicPartition, int]]]) -> dict[TopicPartition, int]:
    """Return the offset each partition may be committed to: the first chunk still held there, else its position."""
    offsets = dict(positions)
    for chunks in held.values():
        for tp, offset in chunks:
            if tp in offsets:
                offsets[tp] = min(offsets[tp], offset)
    return offsets


def _now_ms() -> int:
    return int(time.time() * 1000)



def install_reconciler(app, settings: HubSettings, codec: AvroCodec) -> Reconciler:
    """Run the register view and the reconciler as tasks of the Faust app."""
    view = RegisterView(settings, codec)
    reconciler = Reconciler(settings, codec, view)

    @app.task
    async def follow_register() -> None:
        await view.run()

    @app.task
    async def reconcile_manifests() -> None:
        await reconciler.run()

    return reconciler
