"""The aggregator's outputs, sent through the Faust producer that is flushed before every commit."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

SendFn = Callable[[str, bytes, bytes], Awaitable[asyncio.Future]]


class Outputs:
    """Sends change-log entries, rejections, notifications and timer commands; remembers failures."""

    def __init__(self, send: SendFn, changes: str, rejected: str, notifications: str, due: str,
                 on_failure: Callable[[BaseException], None]):
        """Send with `send(topic, key, value)`; `on_failure` is told of any send the broker refused."""
        self._send, self._on_failure = send, on_failure
        self.changes_topic, self.rejected_topic = changes, rejected
        self.notifications_topic, self.due_topic = notifications, due
        self.sent = 0

    async def change(self, record_key: bytes, value: bytes) -> None:
        """Append an applied change to the change log."""
        await self._emit(self.changes_topic, record_key, value)

    async def reject(self, key: bytes, value: bytes) -> None:
        """Publish a rejection."""
        await self._emit(self.rejected_topic, key, value)

    async def notify(self, unit: str, value: bytes) -> None:
        """Publish a notification to a unit."""
        await self._emit(self.notifications_topic, unit.encode(), value)

    async def due(self, record_key: bytes, value: bytes) -> None:
        """Publish a timer command for a record (same partition as its events)."""
        await self._emit(self.due_topic, record_key, value)

    async def _emit(self, topic: str, key: bytes, value: bytes) -> None:
        future = await self._send(topic, key, value)
        self.sent += 1
        future.add_done_callback(self._check)

    def _check(self, future: asyncio.Future) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.critical("the broker refused an output: %r", future.exception())
            self._on_failure(future.exception())


def faust_sender(app) -> SendFn:
    """Return a send function over the Faust app's producer (buffered; flushed before commits)."""
    async def send(topic: str, key: bytes, value: bytes) -> asyncio.Future:
        return await app.producer.send(topic, key, value, None, None, None)
    return send
