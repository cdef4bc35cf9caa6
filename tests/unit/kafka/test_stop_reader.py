"""A reading returns at once even when its consumer's stop hangs (uvloop over TLS); the stop goes on behind."""

from __future__ import annotations

import asyncio
import time

from hub.kafka import reader


class SlowStop:
    """A consumer whose stop takes as long as uvloop's TLS shutdown sometimes does."""

    def __init__(self, stop_s: float):
        self.stop_s, self.stopped = stop_s, False

    async def stop(self) -> None:
        await asyncio.sleep(self.stop_s)
        self.stopped = True


def test_a_hanging_stop_holds_the_reading_up_for_stop_wait_s_at_most_and_still_ends() -> None:
    async def scenario() -> tuple[float, bool, bool]:
        consumer = SlowStop(stop_s=reader.STOP_WAIT_S * 4)
        started = time.monotonic()
        await reader.stop_reader(consumer)
        waited_s, stopped_then = time.monotonic() - started, consumer.stopped
        await asyncio.sleep(reader.STOP_WAIT_S * 4)
        return waited_s, stopped_then, consumer.stopped

    waited_s, stopped_then, stopped_later = asyncio.run(scenario())
    assert waited_s < reader.STOP_WAIT_S * 2 and not stopped_then and stopped_later


def test_a_quick_stop_is_waited_for() -> None:
    consumer = SlowStop(stop_s=0.0)
    asyncio.run(reader.stop_reader(consumer))
    assert consumer.stopped
