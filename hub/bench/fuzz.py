"""Fuzzing at every door: malformed events and check requests through the real broker to a running hub.

The mutations are made here, apart from the hub's rules: random bytes, truncated and bit-flipped valid
messages, and valid Avro with out-of-range, oversized, unknown-enum, wrong-region and forged-unit values.
The inputs of the last five kinds carry ids of their own, so that any of them applied (an event on the
register, a request answered without a refusal) is counted as `applied_wrongly`. Random, truncated and
flipped inputs may by chance still be valid; what matters of them is that none stops a service.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from hub.codec import AvroCodec
from hub.settings import HubSettings

EVENT_KINDS = ("random", "truncated", "bitflip", "out_of_range", "oversized", "unknown_enum", "wrong_region",
               "forged_unit")
ATTRIBUTABLE = frozenset(EVENT_KINDS[3:])  # kinds that must be refused, whatever the chance
REGION = "KZ-75"
MUST_REFUSE = "must-refuse"
PERSON_SUBJECT = "kz.mvd.records.PersonSubject"


def varint_end(data: bytes, at: int) -> tuple[int, int]:
    """Return the zigzag varint at `at` and the offset after it."""
    shift = result = 0
    while True:
        byte = data[at]
        result |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), at
        shift += 7


def with_unknown_enum(message: bytes, strings_before: int) -> bytes:
    """Return a single-object message whose first enum (after `strings_before` strings) has an index no
    schema symbol has."""
    at = 10  # C3 01 and the 8-byte fingerprint
    for _ in range(strings_before):
        length, at = varint_end(message, at)
        at += length
    return message[:at] + bytes([126]) + message[at + 1:]  # zigzag 63


def marker(kind: str) -> str:
    """Return the head of the ids of an input kind: MUST_REFUSE for those that must never be applied (a few
    flipped bits cannot turn one head into the other)."""
    return MUST_REFUSE if kind in ATTRIBUTABLE else "fuzz"


def mutated(rng: random.Random, valid: bytes, kind: str) -> bytes:
    """Return random bytes, or a valid message truncated or with a few bits flipped."""
    if kind == "random":
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
    if kind == "truncated":
        return valid[:rng.randrange(0, len(valid))]
    flipped = bytearray(valid)
    for _ in range(rng.randrange(1, 4)):
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    return bytes(flipped)


class Inputs:
    """Makes the fuzzed events and requests from valid templates."""

    def __init__(self, codec: AvroCodec, seed: int) -> None:
        """Take templates from the simulated registers of the aggregator's benchmark."""
        from hub.bench.aggregator import simulated_events

        self.codec, self.rng = codec, random.Random(seed)
        self.events = [e for e in simulated_events(2_000, seed)
                       if e["region"] == REGION and e["action"] == "ENROL" and e["record_type"] == "WANTED_PERSON"]
        self.now_ms = int(time.time() * 1000)

    def event(self, n: int, kind: str) -> tuple[str, bytes]:
        """Return a fuzzed event (its key and bytes) of a kind; its record id names it."""
        from hub.domain.validation import hinted

        template = self.rng.choice(self.events)
        event = {**template, "event_id": f"{marker(kind)}-{n}", "record_id": f"{REGION}-WANTED_PERSON-8{n:07d}"}
        document = dict(event["document"])
        if kind == "out_of_range":
            if n % 2:
                document["birth_date"] = -self.rng.randrange(25_600, 10 ** 7)
            else:
                event["occurred_at"] = self.now_ms + self.rng.randrange(2, 3_650) * 86_400_000
        elif kind == "oversized":
            document["surname"] = "Ы" * self.rng.randrange(1_000, 20_000)
        elif kind == "wrong_region":
            event["region"] = "KZ-71"
        elif kind == "forged_unit":
            event["unit"] = self.rng.choice(["KZ-71-CP", "KZ-75-NOSUCH", "MVD-DIT"])
        event["document"] = document
        valid = self.codec.encode("RecordEvent", hinted(event))
        if kind == "unknown_enum":
            valid = with_unknown_enum(valid, 4)  # action comes after four strings
        elif kind in ("random", "truncated", "bitflip"):
            valid = mutated(self.rng, valid, kind)
        return event["record_id"], valid

    def request(self, n: int, kind: str) -> tuple[str, bytes]:
        """Return a fuzzed check request (its check id and bytes) of a kind."""
        subject = {"iin": None, "surname": "Сейтқалиев", "given_name": "Әлихан", "patronymic": None,
                   "birth_date": 5_549, "birth_year": None, "sex": None, "document_number": None,
                   "registered_address": None}
        request = {"check_id": f"{marker(kind)}-chk-{n}", "requester_unit": f"{REGION}-CP", "officer": "750001",
                   "clearance": "SECRET", "purpose": "fuzz", "legal_ground": "fuzz", "channel": "ONLINE",
                   "written_request_number": None, "written_request_date": None, "requested_at": self.now_ms}
        if kind == "out_of_range":
            subject["birth_date"] = -self.rng.randrange(25_600, 10 ** 7)
        elif kind == "oversized":
            subject["surname"] = "Ы" * self.rng.randrange(1_000, 20_000)
        elif kind == "wrong_region":
            request["requester_unit"] = "KZ-71-CP"
        elif kind == "forged_unit":
            request["requester_unit"] = self.rng.choice(["KZ-75-NOSUCH", "MVD-NOSUCH"])
        valid = self.codec.encode("CheckRequest", {**request, "subject": (PERSON_SUBJECT, subject)})
        if kind == "unknown_enum":
            valid = with_unknown_enum(valid, 3)  # clearance comes after three strings
        elif kind in ("random", "truncated", "bitflip"):
            valid = mutated(self.rng, valid, kind)
        return request["check_id"], valid


def messages(settings: HubSettings, inputs: Inputs, count: int, sent: Counter) -> Iterator[tuple]:
    """Yield (topic, partition, key, value): half events, half requests, of every kind in turn."""
    from hub.kafka.topics import CHECK_REQUESTS, EVENTS

    events, requests = EVENTS.name(settings, REGION), CHECK_REQUESTS.name(settings, REGION)
    for n in range(count):
        kind = EVENT_KINDS[(n // 2) % len(EVENT_KINDS)]
        if n % 2:
            key, value = inputs.request(n, kind)
            sent[f"request_{kind}"] += 1
            yield requests, None, key.encode(), value
        else:
            key, value = inputs.event(n, kind)
            sent[f"event_{kind}"] += 1
            yield events, None, key.encode(), value


def run(count: int, seed: int, work_dir: Path, progress=print, timeout_s: float = 3_600.0) -> dict[str, Any]:
    """Fuzz a running aggregator and matcher with `count` inputs; return the figures."""
    from hub.bench.common import broker, drop_topics, fresh_settings
    from hub.kafka.local_broker import free_port
    from hub.kafka.producer import publish_placed
    from hub.services.refdata import codec_for

    work_dir.mkdir(parents=True, exist_ok=True)
    with broker(HubSettings()) as cluster:
        settings = fresh_settings(cluster.secure, "fuzz", 6, work_dir)
        codec = codec_for(settings)
        workers = Supervised(settings, work_dir, free_port)
        try:
            workers.wait_ready()
            sent: Counter = Counter()
            progress(f"sending {count} malformed inputs")
            started = time.monotonic()
            asyncio.run(publish_placed(settings, messages(settings, Inputs(codec, seed), count, sent)))
            progress("waiting for the hub to read them all")
            workers.wait_caught_up(timeout_s)
            elapsed_s = time.monotonic() - started
            result = {"sent": count, "seconds": round(elapsed_s, 1), "inputs_per_s": round(count / elapsed_s),
                      **outcomes(settings, codec), "crashes": workers.restarts, "sent_by_kind": dict(sent)}
        finally:
            workers.stop()
            drop_topics(settings)
    return result


class Supervised:
    """The aggregator and the matcher as worker processes, started again (and counted) when one exits."""

    def __init__(self, settings: HubSettings, work_dir: Path, free_port) -> None:
        """Start both, each with a metrics port of its own."""
        from hub.bench.common import WorkerProcess

        self.settings, self.restarts, self._make = settings, 0, WorkerProcess
        self.specs = {service: (settings.model_copy(update={"metrics_port": free_port()}),
                                work_dir / f"{service}.log") for service in ("aggregator", "matcher")}
        self.workers = {service: WorkerProcess(s, log, service=service) for service, (s, log) in self.specs.items()}

    def check(self) -> None:
        """Start again any worker that exited, counting it."""
        for service, worker in self.workers.items():
            if worker.proc.poll() is not None:
                self.restarts += 1
                settings, log = self.specs[service]
                self.workers[service] = self._make(settings, log, service=service)

    def wait_ready(self) -> None:
        """Wait until the matcher's index is ready (the aggregator needs no wait)."""
        self.workers["matcher"].wait_for(lambda m: m.get("hub_match_index_ready_seconds", 0) > 0, 600, poll_s=0.5)

    def wait_caught_up(self, timeout_s: float) -> None:
        """Wait until both groups have committed every input (restarting what exits meanwhile)."""
        asyncio.run(self._wait_caught_up(timeout_s))

    async def _wait_caught_up(self, timeout_s: float) -> None:
        from hub.kafka.applied import AppliedEvents
        from hub.kafka.group_offsets import GroupStartOffsets
        from hub.kafka.topics import CHECK_REQUESTS, EVENTS

        requests = CHECK_REQUESTS.name(self.settings, REGION)
        applied = AppliedEvents(self.settings)
        matcher = GroupStartOffsets(self.settings, f"{self.settings.app_id}-matcher", [requests])
        deadline = time.monotonic() + timeout_s
        try:
            mark = await applied.mark(EVENTS.name(self.settings, REGION))  # all sent by now
            checks = await matcher.end_offsets(requests)
            while not (await applied.applied(mark) and await matcher.caught_up(checks)):
                self.check()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the hub did not read every input in {timeout_s} s")
                await asyncio.sleep(1.0)
            self.check()
        finally:
            await applied.close()
            await matcher.close()

    def stop(self) -> None:
        """Stop both."""
        for worker in self.workers.values():
            worker.stop()


def outcomes(settings: HubSettings, codec: AvroCodec) -> dict[str, Any]:
    """Count the inputs refused with a reason and those applied that must not have been."""
    from hub.kafka.reader import read_to_end
    from hub.kafka.topics import CHECK_RESULTS, REGISTER, REJECTED

    def explained(value: dict, prefix: str) -> bool:
        return all(value.get(f"{prefix}{lang}") for lang in ("kk", "ru", "en"))

    rejections = [codec.decode(r.value, expect="Rejection").value
                  for r in asyncio.run(read_to_end(settings, REJECTED.name(settings)))]
    results = [codec.decode(r.value, expect="CheckResult").value
               for r in asyncio.run(read_to_end(settings, CHECK_RESULTS.name(settings, REGION)))]
    refused = [r for r in results if r["refusal"] is not None]
    register = [codec.decode(r.value, expect="RegisterRecord").value
                for r in asyncio.run(read_to_end(settings, REGISTER.name(settings))) if r.value is not None]
    wrong_events = [s for s in register if s["last_event_id"].startswith(MUST_REFUSE)]
    wrong_requests = [r for r in results if r["refusal"] is None and r["check_id"].startswith(MUST_REFUSE)]
    reasons = Counter(r["reason_code"] for r in rejections) + Counter(r["refusal"]["reason"] for r in refused)
    return {"rejected_with_reason": sum(explained(r, "reason_") for r in rejections)
            + sum(explained(r["refusal"], "text_") for r in refused),
            "applied_wrongly": len(wrong_events) + len(wrong_requests),
            "applied_by_chance": len(register) - len(wrong_events),
            "answered_by_chance": sum(r["refusal"] is None for r in results) - len(wrong_requests),
            "reasons": dict(reasons)}
