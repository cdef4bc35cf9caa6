"""Follows the compacted passport and reference-book topics into a Catalog, without a consumer group."""

from __future__ import annotations

import asyncio
import logging

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.errors import CodecError
from hub.kafka.connection import make_consumer
from hub.kafka.reader import assign_from_start, behind
from hub.kafka.topics import PASSPORTS, REFERENCE_BOOKS
from hub.settings import HubSettings

log = logging.getLogger(__name__)


class CatalogFollower:
    """Reads every passport and reference entry from the start, then keeps following changes."""

    def __init__(self, settings: HubSettings, codec: AvroCodec, catalog: Catalog):
        """Follow the settings' reference topics into catalog."""
        self.settings, self.codec, self.catalog = settings, codec, catalog
        self.caught_up = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def ready(self) -> None:
        """Start following (once) and wait until caught up."""
        if self._task is None:
            self._task = asyncio.ensure_future(self.run())
        await self.caught_up.wait()

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run(self) -> None:
        """Consume forever; set caught_up once the end offsets seen at start are reached."""
        consumer = make_consumer(self.settings, enable_auto_commit=False, group_id=None)
        await consumer.start()
        try:
            names = [PASSPORTS.name(self.settings), REFERENCE_BOOKS.name(self.settings)]
            targets = await consumer.end_offsets(await assign_from_start(consumer, self.settings, names))
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        self._take(record.topic, record.value)
                if not self.caught_up.is_set() and not await behind(consumer, targets):
                    self.caught_up.set()
        finally:
            await consumer.stop()

    def _take(self, topic: str, value: bytes | None) -> None:
        if value is None:
            return
        try:
            if topic == PASSPORTS.name(self.settings):
                self.catalog.put_passport(self.codec.decode(value, expect="RecordTypePassport").value)
            else:
                self.catalog.put_entry(self.codec.decode(value, expect="ReferenceEntry").value)
        except CodecError as exc:
            log.error("unreadable reference message on %s: %s", topic, exc)
