"""Acknowledges each input message to Faust only once what it wrote is durable, in offset order.

The aggregator goes on to the next message while the broker is still acknowledging the last
one's change log and register writes. Faust commits an offset only once its message and every
one before it in the partition are acknowledged, and waits for unacknowledged messages before
a rebalance or a stop, so acknowledging a message when its writes are durable, in order, keeps
processing at least once while the broker's round trips overlap the processing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

log = logging.getLogger(__name__)


class InOrderAcks:
    """Acknowledges the events of a manually acknowledged (noack) Faust stream when their writes are done."""

    def __init__(self, stream: Any, max_bytes_in_flight: int) -> None:
        """Acknowledge through `stream` (its `ack(event)`); hold unacknowledged messages of at most
        `max_bytes_in_flight` bytes together (and always one, however large)."""
        self.stream, self.max_bytes_in_flight = stream, max_bytes_in_flight
        self._waiting: dict[Any, deque] = {}
        self._count = 0
        self.bytes_in_flight = 0

    def __len__(self) -> int:
        """Return how many messages wait for their writes."""
        return self._count

    def describe(self, tp: Any) -> str:
        """Say what waits on a partition: how many messages, and the first one's offset and whether it is written."""
        queue = self._waiting.get(tp)
        if not queue:
            return "none waiting"
        event, written, _ = queue[0]
        return f"{len(queue)} waiting, the first at {event.message.offset} ({'written' if written.done() else 'writing'})"

    async def after(self, event: Any, written: asyncio.Future, size: int) -> None:
        """Acknowledge event (a message of `size` bytes) once written is done and every earlier event of its
        partition is acknowledged; wait first while too many bytes are in flight."""
        tp = event.message.tp
        queue = self._waiting.setdefault(tp, deque())
        queue.append((event, written, size))
        self._count += 1
        self.bytes_in_flight += size
        written.add_done_callback(lambda _: self._drain(tp))
        while self.bytes_in_flight > self.max_bytes_in_flight and self._count > 1:
            heads = [queue[0][1] for queue in self._waiting.values() if queue]
            await asyncio.wait(heads, return_when=asyncio.FIRST_COMPLETED)

    def _drain(self, tp: Any) -> None:
        queue = self._waiting[tp]
        while queue and queue[0][1].done():
            event, written, size = queue.popleft()
            self._count -= 1
            self.bytes_in_flight -= size
            if written.cancelled():  # the worker is stopping; the message is read again after a restart
                continue
            if written.exception() is not None:
                # Left unacknowledged: the failed send crashes the app, and the message is read again.
                log.error("writes of %s at %s failed; not acknowledged", tp, event.message.offset)
                continue
            asyncio.ensure_future(self.stream.ack(event))
