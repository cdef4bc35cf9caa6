"""Delayed hits, each sent once: the recent checks of the request partitions a matcher owns, taken over whole
when the group moves a partition, and every delayed hit sent in a transaction with its record of being sent."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition

from hub.domain.checks import delayed_hit
from hub.errors import CodecError
from hub.kafka.partitioning import partition_for
from hub.kafka.reader import batches_since, read_to_end
from hub.kafka.topics import CHECK_AUDIT, CHECK_REQUESTS, DELAYED_HITS, REGISTER
from hub.services.matcher_answers import is_person

log = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000
AUDIT_CLOCK_MARGIN_MS = DAY_MS  # producers' clocks: the audit is read from a day before the window
REGISTER_CLOCK_MARGIN_MS = 10 * 60 * 1000  # a register message is written after its record's enrolment, clocks aside
REPLAY_YIELD_EVERY = 200  # register records compared between two turns of the event loop while taking over
# What the takeover reads of each register record: enough to tell a new enrolment from the rest.
REPLAY_VIEW = {"kz.mvd.records.RegisterRecord": frozenset({"record_id", "version", "status", "enrolled_at"})}
# What an audit entry holds beyond the request: not kept with a check reloaded for delayed hits.
ANSWER_FIELDS = frozenset({"subject_json", "answered_at", "outcome", "hit_record_ids", "restricted_record_ids",
                           "clearance_applied", "source_topic", "refusal_reason"})


class Ownership(ConsumerRebalanceListener):
    """Moves recent checks with the request partitions: given up on revocation, taken over on assignment.

    The taking over reads topics for seconds, longer than a rebalance callback may keep the consumer from its
    group (aiokafka sends no heartbeat meanwhile), so it runs beside; a revocation cancels it.
    """

    def __init__(self, matcher: "DelayedHits", answered: Any = None):
        """Act for a matcher, committing the answers of revoked partitions (an AnsweredRequests) first."""
        self.matcher, self.answered = matcher, answered
        self.taking_over: asyncio.Task | None = None

    def raise_failure(self) -> None:
        """Raise what made a taking over fail: the matcher stops, and its supervisor starts it again, since
        partitions whose checks were not taken over would never get their delayed hits."""
        if self.taking_over is not None and self.taking_over.done() and not self.taking_over.cancelled():
            failure = self.taking_over.exception()
            if failure is not None:
                raise failure

    async def on_partitions_revoked(self, revoked) -> None:
        """Forget the checks of the partitions leaving, once any delayed hit being sent for them is sent."""
        if self.taking_over is not None and not self.taking_over.done():
            self.taking_over.cancel()
            await asyncio.gather(self.taking_over, return_exceptions=True)
        if self.answered is not None:
            await self.answered.commit(revoked)
        await self.matcher.give_up(list(revoked))

    async def on_partitions_assigned(self, assigned) -> None:
        """Start taking over the checks of the partitions arriving."""
        self.taking_over = asyncio.ensure_future(self.matcher.take_over(list(assigned)))
        self.taking_over.add_done_callback(_log_failure)


class DelayedHits:
    """The matcher's delayed hits (mixed into Matcher: its settings, codec, catalog, index, recent, clock and
    the transactional producer `_delayed_producer`)."""

    def owner_of(self, topic: str, check_id: str) -> TopicPartition | None:
        """Return the request partition a check came on (requests are keyed by check id); None for a topic
        that is no request topic of this hub (an audit entry written elsewhere)."""
        scope = CHECK_REQUESTS.scope_of(self.settings, topic or "")
        if scope is None:
            return None
        partitions = CHECK_REQUESTS.spec(scope).partition_count(self.settings)
        return TopicPartition(topic, partition_for(check_id.encode(), partitions))

    async def give_up(self, revoked: list[TopicPartition]) -> None:
        """Forget the recent checks of revoked partitions (another matcher takes them over), once the answers
        and audit entries sent for them are written, so that the next owner reads them."""
        async with self._delayed_lock:
            self._taken.difference_update(revoked)
            dropped = sum(self.recent.drop(tp) for tp in revoked)
            for tp in revoked:  # its next owner reports its lag; a sum over matchers must not count it twice
                self.sensor.on_lag(tp.topic, tp.partition, 0)
            if self._producer is not None:
                await self._producer.flush()
        if revoked:
            log.info("recent checks of %d request partitions given up (%d checks)", len(revoked), dropped)

    async def take_over(self, assigned: list[TopicPartition]) -> None:
        """Load the recent checks of newly assigned partitions from the audit, learn which delayed hits were
        sent for them, and send those the previous owner missed for records this matcher has indexed. Until
        then no delayed hit is sent for these partitions' checks (those answered meanwhile included)."""
        started_s = time.monotonic()
        async with self._delayed_lock:
            new = [tp for tp in assigned if tp not in self._taken]
            if not new:
                return
            locked_s = time.monotonic()
            self.sent_delayed |= await self._sent_delayed_hits()
            sent_s = time.monotonic()
            loaded = await self._load_checks(set(new))
            loaded_s = time.monotonic()
            for tp in new:  # beside any check answered from it meanwhile
                for request in loaded.get(tp, ()):
                    self.recent.add(tp, request, person=is_person(request["subject"]))
                self.recent.take(tp)
            self._taken.update(new)
            replayed = await self._replay_register(new)
        log.info("recent checks of %d request partitions taken over in %.1f s: %d checks, %d delayed hits sent on "
                 "taking over (waited %.1f s, read sent hits %.1f s, checks %.1f s, register %.1f s)", len(new),
                 time.monotonic() - started_s,
                 sum(len(c) for c in loaded.values()), replayed, locked_s - started_s, sent_s - locked_s,
                 loaded_s - sent_s, time.monotonic() - loaded_s)

    async def _load_checks(self, owners: set[TopicPartition]) -> dict[TopicPartition, list[dict[str, Any]]]:
        """Return the checks of the window answered from the given partitions (oldest first), read from the
        audit."""
        self.recent.keep_for_days(self._keep_checks_days())
        cutoff_ms = self._window_start_ms()
        kept: dict[TopicPartition, list[dict[str, Any]]] = {}
        read = 0
        async for batch in batches_since(self.settings, CHECK_AUDIT.name(self.settings),
                                         cutoff_ms - AUDIT_CLOCK_MARGIN_MS):
            read += len(batch)
            for record in batch:
                try:
                    audit = self.codec.decode(record.value or b"", expect="CheckAuditEntry").value
                except CodecError:
                    continue
                if audit["requested_at"] < cutoff_ms or audit.get("refusal_reason") is not None:
                    continue
                owner = self.owner_of(audit["source_topic"], audit["check_id"])
                if owner in owners:
                    kept.setdefault(owner, []).append(audit)
            await asyncio.sleep(0)
        loaded: dict[TopicPartition, list[dict[str, Any]]] = {}
        for owner, audits in kept.items():
            for n, audit in enumerate(sorted(audits, key=lambda entry: entry["requested_at"])):
                request = {key: value for key, value in audit.items() if key not in ANSWER_FIELDS}
                request["clearance"] = audit.get("clearance_applied") or request["clearance"]
                loaded.setdefault(owner, []).append({**request, "subject": json.loads(audit["subject_json"])})
                if n % 1_000 == 999:
                    await asyncio.sleep(0)
        log.info("recent checks: %d audit entries read from the last %d days, %d kept for delayed hits",
                 read, self.recent.keep_days, sum(len(found) for found in loaded.values()))
        return loaded

    async def _sent_delayed_hits(self) -> set[str]:
        """Return the ids of the delayed hits sent so far (the topic that records them, read to its end)."""
        sent = set()
        for record in await read_to_end(self.settings, DELAYED_HITS.name(self.settings)):
            if record.key is not None:
                sent.add(record.key.decode())
        return sent

    async def _replay_register(self, taken: list[TopicPartition]) -> int:
        """Compare the records enrolled within the window that this matcher has indexed with checks just taken
        over: the previous owner may not have reached them. Return how many delayed hits that sent."""
        oldest = {owner: self.recent.oldest_requested_ms(owner) for owner in taken}
        owners = [owner for owner, since_ms in oldest.items() if since_ms is not None]
        if not owners:
            return 0  # no check to answer late: the register is not read
        # A record enrolled before a check never answers it late; a check's own time is the requester's word,
        # so the window bounds it.
        since_ms = max(min(oldest[owner] for owner in owners), self._window_start_ms())
        sent = 0
        head_of = self.codec.view_reader("RegisterRecord", REPLAY_VIEW)
        n = 0
        async for batch in batches_since(self.settings, REGISTER.name(self.settings),
                                         since_ms - REGISTER_CLOCK_MARGIN_MS):
            for record in batch:
                n += 1
                if n % REPLAY_YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # checks are answered and the group's heartbeats sent meanwhile
                try:
                    head = head_of(record.value) if record.value is not None else None
                except CodecError:
                    continue  # logged when it was indexed
                if head is None or (head["version"], head["status"]) != (1, "LIVE") or \
                        head["enrolled_at"] < since_ms or head["record_id"] not in self.index:
                    continue  # only a new enrolment made after a check answers it late
                state = self.index.state_of(head["record_id"])
                for owner in owners:
                    if state["enrolled_at"] >= oldest[owner]:
                        sent += await self._send_matches(owner, state, self.recent.matched_by_owner(
                            owner, state, self._window_of(state)))
        return sent

    def _window_start_ms(self) -> int:
        """Return when the delayed-hit window of the checks kept begins."""
        return self.clock_ms() - self.recent.keep_days * DAY_MS

    def _window_of(self, state: dict[str, Any]) -> int:
        return (self.catalog.passport(state["record_type"]) or {}).get("delayed_hit_window_days") or 0

    async def notify_delayed_hits(self, state: dict[str, Any]) -> None:
        """Tell earlier requesters that this newly enrolled record would have answered their check."""
        try:
            matched = list(self.recent.matched_by(state, self._window_of(state)))
        except Exception as exc:  # noqa: BLE001 - a defect in one record must not stop the index
            log.error("record %s not compared with recent checks: %r", state.get("record_id"), exc)
            self.sensor.on_index_left_out(1)
            return
        if matched:
            async with self._delayed_lock:
                for owner, request, match in matched:
                    if owner in self._taken:  # taken over whole, and not given up while this waited
                        await self._send_matches(owner, state, [(request, match)])

    async def _send_matches(self, owner, state: dict[str, Any], matches) -> int:
        """Send each delayed hit not sent before, with its record of being sent, in one transaction."""
        sent = 0
        for request, match in matches:
            notice = delayed_hit(request, state, match, self.clock_ms())
            if notice["notification_id"] in self.sent_delayed:
                continue
            topic, key, value = self._notice(notice)
            async with self._delayed_producer.transaction():
                await self._delayed_producer.send(topic, value, key=key)
                await self._delayed_producer.send(DELAYED_HITS.name(self.settings), value,
                                                  key=notice["notification_id"].encode())
            self.sent_delayed.add(notice["notification_id"])
            sent += 1
        return sent


def _log_failure(task: asyncio.Task) -> None:
    """Log a taking over that failed (the matcher then stops: see Ownership.raise_failure)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("recent checks not taken over, the matcher stops: %r", task.exception())
