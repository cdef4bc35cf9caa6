"""The reconciler: compares each regional manifest with the central register once the hub has caught up."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.codec import AvroCodec
from hub.domain.reasons import Refusal
from hub.domain.reconcile import Manifest, ManifestAssembly, report, report_notice
from hub.errors import CodecError
from hub.kafka.admin import admin_client, partitions_of
from hub.kafka.connection import make_consumer
from hub.kafka.producer import make_producer
from hub.kafka.reader import assign_from_start, behind
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


class Reconciler:
    """Reads manifest chunks; for each whole manifest, waits for the hub, compares and reports."""

    def __init__(self, settings: HubSettings, codec: AvroCodec, view: RegisterView):
        """Reconcile with the settings' topics, against `view`."""
        self.settings, self.codec, self.view = settings, codec, view
        self.assembly = ManifestAssembly()
        self.reports = 0

    async def run(self) -> None:
        """Consume manifests forever, as the group '<app id>-reconciler'; commit only between manifests."""
        consumer = make_consumer(self.settings, *MANIFESTS.names(self.settings),
                                    group_id=f"{self.settings.app_id}-reconciler", enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        producer = make_producer(self.settings)
        await consumer.start()
        await producer.start()
        try:
            while True:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    for record in records:
                        await self.take(producer, record)
                if not self.assembly.pending:
                    await consumer.commit()
        finally:
            await consumer.stop()
            await producer.stop()

    async def take(self, producer, record) -> None:
        """Take one manifest chunk; reconcile when it completes a manifest. Bad chunks are rejected."""
        source = Source(record.topic, record.partition, record.offset)
        try:
            chunk = self.codec.decode(record.value or b"", expect="ReconciliationManifest").value
        except CodecError as exc:
            await self.reject(producer, refusal_of(exc), source, record.value or b"", None)
            return
        scope = MANIFESTS.scope_of(self.settings, record.topic)
        if chunk["region"] != scope:
            refusal = Refusal("REGION_MISMATCH", f"a manifest of {chunk['region']} came on the topic of {scope}",
                              "region")
            await self.reject(producer, refusal, source, record.value or b"", {"region": scope, "unit": chunk["unit"]})
            return
        manifest = self.assembly.add(chunk)
        if manifest is not None:
            await self.reconcile(producer, manifest)

    async def reject(self, producer, refusal: Refusal, source: Source, raw: bytes, event: dict | None) -> None:
        """Send a refused chunk to the rejected topic, where operators see it."""
        value = rejection_value(refusal, source, raw, event, _now_ms())
        await producer.send_and_wait(REJECTED.name(self.settings), self.codec.encode("Rejection", value),
                                     key=source.topic.encode())

    async def reconcile(self, producer, manifest: Manifest) -> dict[str, Any]:
        """Wait until the hub applied the region's events and read the register, then report."""
        region, record_type = manifest.header["region"], manifest.header["record_type"]
        await self.aggregator_caught_up(EVENTS.name(self.settings, region))
        await self.view.reach_end()
        central = dict(self.view.live.get((region, record_type), {}))
        value = report(manifest, central, _now_ms())
        key = f"{region}/{record_type}".encode()
        await producer.send_and_wait(REPORTS.name(self.settings), self.codec.encode("ReconciliationReport", value),
                                     key=key)
        await producer.send_and_wait(NOTIFICATIONS.name(self.settings, region),
                                     self.codec.encode("Notification", report_notice(value)),
                                     key=value["responsible_unit"].encode())
        self.reports += 1
        log.info("reconciled %s: %d differences", manifest.header["manifest_id"], len(value["differences"]))
        return value

    async def aggregator_caught_up(self, topic: str) -> None:
        """Wait until the aggregator's group has committed every event now on the region's topic."""
        consumer = make_consumer(self.settings, group_id=None)
        await consumer.start()
        try:
            partitions = [TopicPartition(topic, p) for p in (await partitions_of(self.settings, [topic]))[topic]]
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()
        admin = admin_client(self.settings)
        await admin.start()
        try:
            waited_s = 0.0
            while True:
                committed = await admin.list_consumer_group_offsets(self.settings.app_id, partitions=partitions)
                behind = {tp: end for tp, end in ends.items()
                          if end > 0 and (tp not in committed or committed[tp].offset < end)}
                if not behind:
                    return
                waited_s += POLL_S
                if waited_s % 30 < POLL_S:
                    log.info("reconciliation waits for the aggregator on %s", sorted(str(t) for t in behind))
                await asyncio.sleep(POLL_S)
        finally:
            await admin.close()


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
