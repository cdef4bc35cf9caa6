"""Deliveries to many receivers side by side, so that a slow, hanging or failing receiver holds up only itself.

Each receiver (a unit's webhook or mailbox) has its own queue, delivered in order by its own task;
retries back off; a circuit breaker stops trying a receiver that keeps failing for a while; a notice
that cannot be delivered in its attempts, or waits too long behind an open breaker, is dead-lettered
with its reason. The consumer keeps polling meanwhile (never rebalanced out), pauses only the
partitions whose notices fill a receiver's queue past its bound, and commits each partition up to
its first notice not yet finished (delivered, dead-lettered or not for any receiver here).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from connectors.sensors import ConnectorSensor

log = logging.getLogger(__name__)


class Attempt(NamedTuple):
    """The outcome of one delivery attempt: DELIVERED, RETRY (try again), REFUSED or UNDECODABLE (give up)."""

    status: str
    error: str = ""


DELIVERED = Attempt("DELIVERED")


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard a receiver is tried: attempts and backoff per notice, the breaker, the longest hold, the bound."""

    max_attempts: int = 6
    backoff_s: float = 0.5
    max_backoff_s: float = 60.0
    breaker_failures: int = 5  # consecutive failed attempts that open a receiver's breaker
    breaker_open_s: float = 30.0  # how long it stays open before one attempt is let through
    max_hold_s: float = 600.0  # a notice held this long behind an open breaker is dead-lettered
    queue_bound: int = 1_000  # notices waiting for one receiver before their partitions are paused


class Receivers(Protocol):
    """What a per-receiver sink provides."""

    name: str
    policy: DeliveryPolicy

    def route(self, record: ConsumerRecord) -> str | None:
        """Return the receiver a record goes to (None: no receiver here)."""

    def target(self, receiver: str) -> str:
        """Return where a receiver is (its URL or addresses), for dead letters."""

    async def attempt(self, receiver: str, record: ConsumerRecord) -> Attempt:
        """Try once to deliver a record to its receiver."""


class Breaker:
    """A receiver's circuit breaker: open after some consecutive failures, half-open after a pause."""

    def __init__(self, failures: int, open_s: float) -> None:
        """Open after `failures` consecutive failures, for `open_s`."""
        self.failures, self.open_s = failures, open_s
        self.consecutive, self.open_until_s = 0, 0.0

    def wait_s(self, now_s: float) -> float:
        """Return how long until an attempt may be made (0: now)."""
        return max(0.0, self.open_until_s - now_s)

    def succeeded(self) -> None:
        """Close the breaker."""
        self.consecutive, self.open_until_s = 0, 0.0

    def failed(self, now_s: float) -> None:
        """Count a failure; open the breaker at the threshold (again after each failed half-open attempt)."""
        self.consecutive += 1
        if self.consecutive >= self.failures:
            self.open_until_s = now_s + self.open_s


@dataclass
class Held:
    """A notice in a receiver's queue: the record, its partition and when it was taken."""

    record: ConsumerRecord
    tp: TopicPartition
    since_s: float


class Deliveries:
    """Per-receiver queues and tasks for one consumer; tells which offsets are finished."""

    def __init__(self, sink: Receivers, dead_letters, sensor: ConnectorSensor) -> None:
        """Deliver through the sink, dead-lettering what it gives up on."""
        self.sink, self.dead_letters, self.sensor, self.policy = sink, dead_letters, sensor, sink.policy
        self.queues: dict[str, deque[Held]] = {}
        self.breakers: dict[str, Breaker] = {}
        self.tasks: dict[str, asyncio.Task] = {}
        self.unfinished: dict[TopicPartition, set[int]] = {}

    def take(self, tp: TopicPartition, record: ConsumerRecord) -> None:
        """Queue a record for its receiver (or finish it at once when it has none here)."""
        receiver = self.sink.route(record)
        if receiver is None:
            return
        self.unfinished.setdefault(tp, set()).add(record.offset)
        self.queues.setdefault(receiver, deque()).append(Held(record, tp, time.monotonic()))
        if receiver not in self.tasks or self.tasks[receiver].done():
            self.tasks[receiver] = asyncio.ensure_future(self._work(receiver))

    def waiting(self) -> int:
        """Return how many notices are queued or being delivered."""
        return sum(len(queue) for queue in self.queues.values())

    def committable(self, positions: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Return, per partition, the offset up to which every record is finished."""
        return {tp: min(self.unfinished.get(tp) or {position}) for tp, position in positions.items()}

    def backlogged(self) -> set[TopicPartition]:
        """Return the partitions with notices in a queue past its bound (to pause until it drains)."""
        full = [queue for queue in self.queues.values() if len(queue) >= self.policy.queue_bound]
        return {held.tp for queue in full for held in queue}

    async def close(self) -> None:
        """Stop every delivery (what is unfinished stays uncommitted and is read again)."""
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)

    async def _work(self, receiver: str) -> None:
        queue = self.queues[receiver]
        while queue:
            held = queue[0]
            await self._deliver(receiver, held)
            queue.popleft()
            self.unfinished[held.tp].discard(held.record.offset)

    async def _deliver(self, receiver: str, held: Held) -> None:
        policy = self.policy
        breaker = self.breakers.setdefault(receiver, Breaker(policy.breaker_failures, policy.breaker_open_s))
        attempts, result = 0, Attempt("RETRY", "not tried")
        while attempts < policy.max_attempts:
            wait_s = breaker.wait_s(time.monotonic())
            if wait_s > 0:
                held_s = time.monotonic() - held.since_s
                if held_s + wait_s > policy.max_hold_s:
                    error = f"the receiver's circuit is open after {breaker.consecutive} failures: {result.error}"
                    return await self._give_up(receiver, held, attempts, "UNREACHABLE", error)
                await asyncio.sleep(wait_s)
            attempts += 1
            result = await self.sink.attempt(receiver, held.record)
            if result.status == "DELIVERED":
                breaker.succeeded()
                self.sensor.on_sent(1)
                return None
            if result.status in ("REFUSED", "UNDECODABLE"):
                breaker.succeeded()  # the receiver answered: it is up
                return await self._give_up(receiver, held, 0 if result.status == "UNDECODABLE" else attempts,
                                           result.status, result.error)
            breaker.failed(time.monotonic())
            if attempts < policy.max_attempts:
                self.sensor.on_retried(1)
                await asyncio.sleep(min(policy.max_backoff_s, policy.backoff_s * 2 ** (attempts - 1)))
        return await self._give_up(receiver, held, attempts, "UNREACHABLE", result.error)

    async def _give_up(self, receiver: str, held: Held, attempts: int, reason: str, error: str) -> None:
        await self.dead_letters.send(held.record, self.sink.target(receiver), attempts, reason, error)
        self.sensor.on_failed(1)
