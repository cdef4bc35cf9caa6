"""The aggregator's outputs, sent through the Faust producer that is flushed before every commit."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from hub.kafka.producer import send_in_batches
from hub.services.faust_internals import aiokafka_producer_of

log = logging.getLogger(__name__)

SendFn = Callable[[str, bytes, bytes, "int | None"], Awaitable[asyncio.Future]]
SendManyFn = Callable[[str, int, list], Awaitable["list[tuple[asyncio.Future, int]]"]]
Sent = "list[tuple[asyncio.Future, list]]"


class Outputs:
    """Sends change-log entries, rejections, notifications and timer commands; remembers failures."""

    def __init__(self, send: SendFn, register: str, changes: str, rejected: str,
                 notifications: Callable[[str, str | None], str], due: str,
                 on_failure: Callable[[BaseException], None], send_many: SendManyFn | None = None):
        """Send with `send(topic, key, value, partition)`, and many messages to one partition with
        `send_many(topic, partition, [(key, value)...])`; `notifications(unit, scope)` names the notifications
        topic of a unit (of a scope, when one is given); `on_failure` hears of any refused send."""
        self._send, self._on_failure, self._send_many = send, on_failure, send_many
        self.register_topic, self.changes_topic, self.rejected_topic = register, changes, rejected
        self.notifications_topic, self.due_topic = notifications, due
        self.sent = 0

    async def register(self, partition: int, items: list[tuple[bytes, bytes | None]]) -> Sent:
        """Publish register states (tombstones for purges), the register table's changelog; return each
        produce batch's future (its result's offset is the batch's first) with the items it carries."""
        return await self._emit_many(self.register_topic, partition, items)

    async def changes(self, partition: int, items: list[tuple[bytes, bytes]]) -> list[asyncio.Future]:
        """Append many applied changes of one partition to the change log, as few produce batches; return
        the batches' futures (done once the broker has acknowledged them)."""
        return [future for future, _ in await self._emit_many(self.changes_topic, partition, items)]

    async def _emit_many(self, topic: str, partition: int, items: list) -> Sent:
        if self._send_many is None:
            return [(await self._emit(topic, key, value, partition), [(key, value)]) for key, value in items]
        sent, start = [], 0
        for future, count in await self._send_many(topic, partition, items):
            self.sent += count
            future.add_done_callback(self._check)
            sent.append((future, items[start:start + count]))
            start += count
        return sent

    async def reject(self, key: bytes, value: bytes) -> None:
        """Publish a rejection."""
        await self._emit(self.rejected_topic, key, value)

    async def notify(self, unit: str, value: bytes, scope: str | None = None) -> None:
        """Publish a notification to a unit, on its scope's topic (or on the given scope's: a refused input's
        notice goes back to the region whose topic it came in on, whatever unit it names)."""
        await self._emit(self.notifications_topic(unit, scope), unit.encode(), value)

    async def due(self, record_key: bytes, value: bytes) -> None:
        """Publish a timer command for a record (same partition as its events)."""
        await self._emit(self.due_topic, record_key, value)

    async def _emit(self, topic: str, key: bytes, value: bytes, partition: int | None = None) -> asyncio.Future:
        future = await self._send(topic, key, value, partition)
        self.sent += 1
        future.add_done_callback(self._check)
        return future

    def _check(self, future: asyncio.Future) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.critical("the broker refused an output: %r", future.exception())
            self._on_failure(future.exception())


def faust_sender(app) -> SendFn:
    """Return a send function over the Faust app's producer (buffered; flushed before commits)."""
    async def send(topic: str, key: bytes, value: bytes, partition: int | None) -> asyncio.Future:
        return await app.producer.send(topic, key, value, partition, None, None)
    return send


def faust_batch_sender(app) -> SendManyFn:
    """Return a function that sends many messages to one partition as aiokafka record batches.

    It uses the aiokafka producer inside Faust's, so Faust's flush before each commit covers it.
    """
    async def send_many(topic: str, partition: int, items: list) -> list:
        return await send_in_batches(aiokafka_producer_of(app), topic, partition, items)
    return send_many
