"""The demo: simulated regional registers, one through the regional client, refused inputs, checks of every kind
and reconciliation manifests, so that every panel and command has something to show."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from hub.codec import AvroCodec
from hub.domain.regions import scope_of_unit_code
from hub.domain.showcase import SHOWCASES, check_round, invalid_copy, manifest_chunks, showcase_event
from hub.domain.simulate import DEMO_TYPES, RegionSimulator, simulators
from hub.domain.validation import hinted
from hub.errors import InvalidEventError
from hub.kafka.producer import make_producer
from hub.kafka.topics import CHECK_REQUESTS, MANIFESTS, regional_events_topic
from hub.settings import HubSettings

log = logging.getLogger(__name__)
CLIENT_REGION = "KZ-75"  # its events go through the regional client library, as a regional system's would
INVALID_EVERY = 60  # one refused input per this many events
CLIENT_INVALID_EVERY = 25  # one event the client itself refuses per this many of its region's
CHECK_INTERVAL_S = 3.0
DELAYED_ENROLMENT_S = 20.0
FIRST_MANIFEST_S, MANIFEST_INTERVAL_S, QUIET_S = 45.0, 90.0, 10.0


@dataclass
class DemoCounts:
    """What the demo has sent so far."""

    events: int = 0
    invalid: int = 0
    refused_by_client: int = 0
    checks: int = 0
    delayed_enrolments: int = 0
    manifests: int = 0
    quiet: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, int]:
        """Return the counts as one JSON-ready object."""
        return {"events_sent": self.events, "invalid_sent": self.invalid, "refused_by_client": self.refused_by_client,
                "checks_sent": self.checks, "delayed_enrolments": self.delayed_enrolments,
                "manifests_sent": self.manifests}


class Demo:
    """Runs the demo's senders side by side until stopped."""

    def __init__(self, settings: HubSettings, codec: AvroCodec, rate: float, seed: int, client=None):
        """Send about `rate` events a second; `client` is a started RegionalClient of CLIENT_REGION, or None."""
        self.settings, self.codec, self.rate, self.client = settings, codec, rate, client
        self.rng = random.Random(seed)
        self.checks_rng = random.Random(f"{seed}:{time.time_ns()}")  # new subjects to check every run
        self.sims = {sim.region: sim for sim in simulators(seed)}
        self.counts = DemoCounts()
        self.producer = make_producer(settings)
        self._client_batch: list[dict[str, Any]] = []
        self._client_events = 0

    async def run(self, stop: asyncio.Event, duration_s: float = 0.0) -> DemoCounts:
        """Send until stop is set (or duration_s has passed, when given)."""
        await self.producer.start()
        try:
            for showcase in SHOWCASES:
                await self._send_event(showcase_event(showcase, self._now_ms()))
            tasks = [asyncio.ensure_future(job(stop)) for job in (self._events, self._checks, self._manifests,
                                                                  self._report)]
            waiting = [asyncio.ensure_future(stop.wait())]
            if duration_s:
                waiting.append(asyncio.ensure_future(asyncio.sleep(duration_s)))
            await asyncio.wait(waiting + tasks, return_when=asyncio.FIRST_COMPLETED)
            stop.set()
            for task in waiting + tasks:
                task.cancel()
            for task in tasks:
                if not task.cancelled() and task.done() and task.exception():
                    raise task.exception()  # type: ignore[misc]
            await self._flush_client()
            await self.producer.flush()
        finally:
            await self.producer.stop()
        return self.counts

    @staticmethod
    def _now_ms() -> int:
        return int(time.time() * 1000)

    async def _events(self, stop: asyncio.Event) -> None:
        started, sent = time.monotonic(), 0
        while not stop.is_set():
            sim = self.rng.choice(list(self.sims.values()))
            if sim.region in self.counts.quiet:
                await asyncio.sleep(0)
                continue
            event = sim.next_event(self._now_ms())
            await self._publish(event)
            sent += 1
            if sent % INVALID_EVERY == 0:
                await self._send_invalid(event, sent // INVALID_EVERY)
            delay = started + sent / self.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    async def _publish(self, event: dict[str, Any]) -> None:
        self.counts.events += 1
        if self.client is None or event["region"] != CLIENT_REGION:
            await self._send_event(event)
            return
        self._client_batch.append(event)
        self._client_events += 1
        if len(self._client_batch) >= 20:
            await self._flush_client()
        if self._client_events % CLIENT_INVALID_EVERY == 0:
            await self._refused_by_client(event)

    async def _flush_client(self) -> None:
        batch, self._client_batch = self._client_batch, []
        if batch and self.client is not None:
            await self.client.send_many(batch)

    async def _refused_by_client(self, event: dict[str, Any]) -> None:
        try:
            await self.client.send_many([invalid_copy(event, self.counts.refused_by_client)])
        except InvalidEventError as exc:
            self.counts.refused_by_client += 1
            log.info("the regional client refused an event before sending: %s", exc)

    async def _send_event(self, event: dict[str, Any]) -> None:
        topic = regional_events_topic(event["region"]).name(self.settings)
        await self.producer.send(topic, self.codec.encode("RecordEvent", hinted(event)),
                                 key=event["record_id"].encode())

    async def _send_invalid(self, event: dict[str, Any], number: int) -> None:
        """Send, past any client, what a careless or hostile producer would: refused inputs and raw bytes."""
        self.counts.invalid += 1
        topic = regional_events_topic(event["region"]).name(self.settings)
        if number % 7 == 0:
            await self.producer.send(topic, b"\xc3\x01 not a record event", key=event["record_id"].encode())
            return
        bad = invalid_copy(event, number)
        try:
            value = self.codec.encode("RecordEvent", hinted(bad))
        except Exception:  # noqa: BLE001 - a value the schema refuses goes as bytes the hub cannot read
            value = b"\xc3\x01" + uuid.uuid4().bytes
        await self.producer.send(topic, value, key=bad["record_id"].encode())

    async def _checks(self, stop: asyncio.Event) -> None:
        await asyncio.sleep(CHECK_INTERVAL_S * 2)  # the showcase records reach the register first
        number = 0
        while not stop.is_set():
            this_round = check_round(number, self._now_ms(), self.checks_rng)
            for request in this_round.requests:
                topic = CHECK_REQUESTS.name(self.settings, scope_of_unit_code(request["requester_unit"]))
                await self.producer.send(topic, self.codec.encode("CheckRequest", request),
                                         key=request["check_id"].encode())
                self.counts.checks += 1
            if this_round.later is not None:
                asyncio.get_running_loop().call_later(DELAYED_ENROLMENT_S, lambda e=this_round.later: (
                    asyncio.ensure_future(self._enrol_later(e))))
            number += 1
            await asyncio.sleep(CHECK_INTERVAL_S)

    async def _enrol_later(self, event: dict[str, Any]) -> None:
        await self._send_event({**event, "occurred_at": self._now_ms()})
        self.counts.delayed_enrolments += 1

    async def _manifests(self, stop: asyncio.Event) -> None:
        await asyncio.sleep(FIRST_MANIFEST_S)
        while not stop.is_set():
            sim, record_type = self._manifest_subject()
            self.counts.quiet.add(sim.region)  # no event of the region between the manifest and its reading
            try:
                await self.producer.flush()
                chunks = manifest_chunks(sim, record_type, self._now_ms(), f"mf-demo-{uuid.uuid4()}")
                for chunk in chunks:
                    await self.producer.send(MANIFESTS.name(self.settings, sim.region),
                                             self.codec.encode("ReconciliationManifest", chunk),
                                             key=f"{sim.region}/{record_type}".encode())
                await self.producer.flush()
                self.counts.manifests += 1
                log.info("manifest of %s / %s sent (%d chunks, with 3 deliberate differences)", sim.region,
                         record_type, len(chunks))
                await asyncio.sleep(QUIET_S)
            finally:
                self.counts.quiet.discard(sim.region)
            await asyncio.sleep(MANIFEST_INTERVAL_S)

    def _manifest_subject(self) -> tuple[RegionSimulator, str]:
        """Return the simulated register and record type with the most live records (not the client's region)."""
        best = max(((sim, rtype, sum(1 for t, _, _ in sim.live.values() if t == rtype))
                    for sim in self.sims.values() if sim.region != CLIENT_REGION for rtype in DEMO_TYPES),
                   key=lambda found: found[2])
        return best[0], best[1]

    async def _report(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(10)
            log.info("demo: %s", self.counts.summary())
