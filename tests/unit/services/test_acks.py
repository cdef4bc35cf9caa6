"""Messages are acknowledged to Faust once their writes are done, in offset order per partition."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from hub.services.acks import InOrderAcks


@dataclass(frozen=True)
class Message:
    tp: tuple
    offset: int


@dataclass(frozen=True)
class Event:
    message: Message


class Stream:
    """Records the events acknowledged, as Faust's noack stream would commit them."""

    def __init__(self) -> None:
        self.acked: list[tuple] = []

    async def ack(self, event: Event) -> bool:
        self.acked.append((event.message.tp, event.message.offset))
        return True


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_message_is_acknowledged_only_after_every_earlier_one_of_its_partition():
    async def scenario():
        stream, loop = Stream(), asyncio.get_running_loop()
        acks = InOrderAcks(stream, max_bytes_in_flight=1000)
        writes = {(tp, offset): loop.create_future() for tp in ("p0", "p1") for offset in range(3)}
        for (tp, offset), written in writes.items():
            await acks.after(Event(Message(tp, offset)), written, 100)
        writes[("p0", 1)].set_result(None)
        writes[("p1", 0)].set_result(None)
        await settle()
        assert stream.acked == [("p1", 0)]  # p0's offset 1 waits for offset 0
        writes[("p0", 0)].set_result(None)
        await settle()
        assert stream.acked == [("p1", 0), ("p0", 0), ("p0", 1)] and len(acks) == 3
        writes[("p0", 2)].cancel()  # a write cut short by a stop: never acknowledged
        await settle()
        assert ("p0", 2) not in stream.acked
        assert acks.describe("p1") == "2 waiting, the first at 1 (writing)" and acks.describe("p0") == "none waiting"

    asyncio.run(scenario())


def test_no_more_bytes_than_the_limit_wait_for_their_writes_but_one_message_always_may():
    async def scenario():
        stream, loop = Stream(), asyncio.get_running_loop()
        acks = InOrderAcks(stream, max_bytes_in_flight=300)
        writes = [loop.create_future() for _ in range(4)]
        await acks.after(Event(Message("p", 0)), writes[0], 1000)  # alone and larger than the limit: taken
        second = asyncio.ensure_future(acks.after(Event(Message("p", 1)), writes[1], 100))
        await settle()
        assert not second.done()  # 1,100 bytes in flight: it waits
        writes[0].set_result(None)
        await settle()
        assert second.done() and stream.acked == [("p", 0)] and acks.bytes_in_flight == 100
        await acks.after(Event(Message("p", 2)), writes[2], 150)  # 250 bytes: within the limit
        third = asyncio.ensure_future(acks.after(Event(Message("p", 3)), writes[3], 100))
        await settle()
        assert not third.done()  # 350 bytes would be in flight
        writes[1].set_result(None)
        await settle()
        assert third.done() and len(acks) == 2 and acks.bytes_in_flight == 250

    asyncio.run(scenario())
