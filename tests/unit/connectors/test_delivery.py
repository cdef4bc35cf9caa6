"""Per-receiver deliveries without a broker: order per receiver, breakers, holds, commits and back-pressure."""

from __future__ import annotations

import asyncio
from collections import namedtuple

from aiokafka import TopicPartition

from connectors.metrics import ConnectorSensor
from connectors.sinks.delivery import DELIVERED, Attempt, Breaker, Deliveries, DeliveryPolicy

Record = namedtuple("Record", "topic partition offset key value")
TP = TopicPartition("notifications.kz-75", 0)


class FakeSink:
    name = "fake"

    def __init__(self, answers: dict[str, list[Attempt]], policy: DeliveryPolicy, hang: set[str] = frozenset()):
        self.answers, self.policy, self.hang, self.tried = answers, policy, hang, []

    def route(self, record):
        return record.key.decode() if record.key != b"nobody" else None

    def target(self, receiver):
        return f"https://{receiver}"

    async def attempt(self, receiver, record):
        self.tried.append((receiver, record.offset))
        if receiver in self.hang:
            await asyncio.sleep(3600)
        script = self.answers.get(receiver, [])
        return script.pop(0) if script else DELIVERED


class FakeDeadLetters:
    def __init__(self):
        self.sent = []

    async def send(self, record, target, attempts, reason, error):
        self.sent.append((record.offset, reason, attempts))


def records(*keys: str) -> list[Record]:
    return [Record(TP.topic, 0, n, key.encode(), b"") for n, key in enumerate(keys)]


async def until(done, timeout_s: float = 5.0) -> None:
    for _ in range(int(timeout_s * 100)):
        if done():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not done in time")


def test_a_hanging_receiver_holds_only_its_notices_and_commits_stop_before_them() -> None:
    async def scenario():
        sink = FakeSink({}, DeliveryPolicy(backoff_s=0.01), hang={"B"})
        dead = FakeDeadLetters()
        deliveries = Deliveries(sink, dead, ConnectorSensor())
        for record in records("A", "B", "A", "nobody", "A"):
            deliveries.take(TP, record)
        await until(lambda: [o for r, o in sink.tried if r == "A"] == [0, 2, 4])
        assert deliveries.committable({TP: 5}) == {TP: 1}  # B's notice at offset 1 is still in hand
        assert deliveries.waiting() == 1
        await deliveries.close()
    asyncio.run(scenario())


def test_retries_then_dead_letter_and_a_refusal_at_once() -> None:
    async def scenario():
        policy = DeliveryPolicy(max_attempts=3, backoff_s=0.01, breaker_failures=100)
        sink = FakeSink({"A": [Attempt("RETRY", "503")] * 3, "B": [Attempt("REFUSED", "400")]}, policy)
        dead = FakeDeadLetters()
        deliveries = Deliveries(sink, dead, ConnectorSensor())
        for record in records("A", "B", "A"):
            deliveries.take(TP, record)
        await until(lambda: deliveries.waiting() == 0)
        assert sorted(dead.sent) == [(0, "UNREACHABLE", 3), (1, "REFUSED", 1)]
        assert deliveries.committable({TP: 3}) == {TP: 3}
        await deliveries.close()
    asyncio.run(scenario())


def test_an_open_breaker_dead_letters_what_would_wait_past_the_hold() -> None:
    async def scenario():
        policy = DeliveryPolicy(max_attempts=2, backoff_s=0.01, breaker_failures=2, breaker_open_s=60.0,
                                max_hold_s=1.0)
        sink = FakeSink({"A": [Attempt("RETRY", "timeout")] * 10}, policy)
        dead = FakeDeadLetters()
        deliveries = Deliveries(sink, dead, ConnectorSensor())
        for record in records("A", "A", "A"):
            deliveries.take(TP, record)
        await until(lambda: deliveries.waiting() == 0)
        assert [reason for _, reason, _ in dead.sent] == ["UNREACHABLE"] * 3
        assert len(sink.tried) == 2  # the breaker opened after two failures: the rest were not tried
        await deliveries.close()
    asyncio.run(scenario())


def test_a_queue_past_its_bound_pauses_its_partitions() -> None:
    async def scenario():
        sink = FakeSink({}, DeliveryPolicy(queue_bound=2), hang={"B"})
        deliveries = Deliveries(sink, FakeDeadLetters(), ConnectorSensor())
        for record in records("B", "B"):
            deliveries.take(TP, record)
        assert deliveries.backlogged() == {TP}
        await deliveries.close()
    asyncio.run(scenario())


def test_a_breaker_opens_at_its_threshold_and_half_opens_after_its_pause() -> None:
    breaker = Breaker(failures=2, open_s=10.0)
    breaker.failed(0.0)
    assert breaker.wait_s(0.0) == 0
    breaker.failed(1.0)
    assert breaker.wait_s(1.0) == 10.0 and breaker.wait_s(11.0) == 0
    breaker.succeeded()
    assert breaker.wait_s(1.0) == 0
