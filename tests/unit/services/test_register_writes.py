"""A partition's writer: the change log is acknowledged before the register is sent, in rounds, in order."""

from __future__ import annotations

import asyncio

import pytest

from hub.services.register_writes import PartitionWriter


class Acked:
    """What the broker says of a batch: its first offset."""

    def __init__(self, offset: int) -> None:
        self.offset = offset


class HeldOutputs:
    """Outputs whose batches the test acknowledges by hand; it records what was sent when."""

    def __init__(self) -> None:
        self.log: list[tuple[str, list]] = []
        self.held: list[asyncio.Future] = []
        self.offset = 0

    def _future(self) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.held.append(future)
        return future

    async def changes(self, partition: int, items: list) -> list:
        self.log.append(("changes", list(items)))
        return [self._future()]

    async def register(self, partition: int, items: list) -> list:
        self.log.append(("register", list(items)))
        return [(self._future(), list(items))]

    def acknowledge_all(self) -> None:
        for future in self.held:
            if not future.done():
                future.set_result(Acked(self.offset))
                self.offset += 10
        self.held.clear()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_the_register_is_sent_only_once_the_change_log_is_acknowledged_and_rounds_gather_messages():
    async def scenario():
        outputs, stored = HeldOutputs(), []
        writer = PartitionWriter(outputs, 3, lambda partition, records, base: stored.append((partition, records, base)))
        first = writer.submit([(b"a", b"change-a")], [(b"a", b"state-a")])
        await settle()
        assert outputs.log == [("changes", [(b"a", b"change-a")])]  # the register waits for the change log
        second = writer.submit([(b"b", b"change-b")], [(b"b", b"state-b")])
        third = writer.submit([(b"c", b"change-c")], [(b"c", None)])
        outputs.acknowledge_all()
        await settle()
        assert outputs.log[1] == ("register", [(b"a", b"state-a")]) and not first.done()
        outputs.acknowledge_all()
        await settle()
        assert first.done() and not second.done() and stored == [(3, [(b"a", b"state-a")], 10)]
        # the messages handed over meanwhile go in one round, change log first
        assert outputs.log[2] == ("changes", [(b"b", b"change-b"), (b"c", b"change-c")])
        outputs.acknowledge_all()
        await settle()
        assert outputs.log[3] == ("register", [(b"b", b"state-b"), (b"c", None)])
        outputs.acknowledge_all()
        await settle()
        assert second.done() and third.done() and stored[-1] == (3, [(b"b", b"state-b"), (b"c", None)], 30)

    asyncio.run(scenario())


def test_a_refused_write_fails_the_messages_of_its_round_and_stores_nothing():
    async def scenario():
        outputs, stored = HeldOutputs(), []
        writer = PartitionWriter(outputs, 0, lambda *args: stored.append(args))
        written = writer.submit([(b"a", b"change-a")], [(b"a", b"state-a")])
        await settle()
        outputs.held[0].set_exception(RuntimeError("broker said no"))
        with pytest.raises(RuntimeError):
            await written
        assert stored == [] and [kind for kind, _ in outputs.log] == ["changes"]

    asyncio.run(scenario())
