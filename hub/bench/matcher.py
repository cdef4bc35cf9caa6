"""Latency benchmark of the matcher: index build over a large register, then checks at a fixed rate."""

from __future__ import annotations

import asyncio
import gc
import random
import time
from pathlib import Path
from typing import Any, Iterator

from hub.bench import kkru
from hub.bench.quality import REQUESTER, state_of
from hub.bench.repeats import REPEATS, ratio, repeated, summary
from hub.domain.identifiers import with_iin_check_digit
from hub.domain.validation import hinted
from hub.kafka.connection import make_consumer
from hub.settings import HubSettings

VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_LETTERS = "ABCDEHKMOPTXY"
WARM_UP_S = 20.0  # untimed checks at the rate before each timed phase


def vehicle(rng: random.Random) -> dict[str, Any]:
    """Return a ThingCard of a random vehicle."""
    return {"thing_kind": "VEHICLE", "description": "Toyota Camry, ақ / белый", "make": "Toyota", "model": "Camry",
            "vin": "".join(rng.choice(VIN_LETTERS) for _ in range(17)),
            "plate": f"{rng.randrange(100, 1000)}{''.join(rng.choice(PLATE_LETTERS) for _ in range(3))}"
                     f"{rng.randrange(1, 20):02d}", "colour": None, "year": 2015, "serial": None, "calibre": None,
            "imei": None, "document_kind": None, "document_number": None, "owner_name": None}


def person_card(person: kkru.Person) -> dict[str, Any]:
    """Return the PersonCard of a generated person."""
    return {"iin": None, "surname": person.surname, "given_name": person.given_name, "patronymic": person.patronymic,
            "birth_date": person.birth_date, "birth_year": None, "sex": person.sex, "citizenship": "KAZ",
            "birth_place": None, "identity_documents": [], "registered_address": None, "special_marks": None,
            "photo_ref": None}


def register_messages(settings: HubSettings, codec, people: list[kkru.Person], things: int,
                      seed: int) -> Iterator[tuple]:
    """Yield the register messages of the persons (each with an IIN) and `things` vehicles."""
    from hub.kafka.topics import REGISTER

    topic, now_ms, rng = REGISTER.name(settings), int(time.time() * 1000), random.Random(seed)
    for n, person in enumerate(people):
        card = {**person_card(person), "iin": iin_of(n)}
        state = state_of(f"KZ-71-WANTED_PERSON-{n:09d}", card, now_ms)
        yield topic, None, state["record_id"].encode(), codec.encode("RegisterRecord", hinted(state))
    for n in range(things):
        state = {**state_of(f"KZ-75-STOLEN_VEHICLE-{n:09d}", vehicle(rng), now_ms), "record_type": "STOLEN_VEHICLE",
                 "object_kind": "THING", "confidentiality": "OPEN"}
        yield topic, None, state["record_id"].encode(), codec.encode("RegisterRecord", hinted(state))


def iin_of(n: int) -> str:
    """Return a valid IIN unique to n."""
    for serial in range(10):
        iin = with_iin_check_digit(f"{800101 + n % 9000:06d}3{(n // 9000) % 1000:03d}{serial}"[:11])
        if iin:
            return iin
    return with_iin_check_digit("85031240123") or ""


def subjects(rng: random.Random, people: list[kkru.Person], plates: list[str]) -> Iterator[tuple[str, dict]]:
    """Yield check subjects: persons by name and birth date (with variants), by IIN, vehicles by plate,
    and strangers."""
    while True:
        kind = rng.random()
        if kind < 0.5:
            yield "kz.mvd.records.PersonSubject", kkru.query_of(rng, rng.choice(people))
        elif kind < 0.7:
            n = rng.randrange(len(people))
            yield "kz.mvd.records.PersonSubject", {"iin": iin_of(n), "surname": None, "given_name": None,
                                                   "patronymic": None, "birth_date": None, "birth_year": None,
                                                   "sex": None, "document_number": None}
        elif kind < 0.9 and plates:
            yield "kz.mvd.records.VehicleSubject", {"vin": None, "plate": rng.choice(plates)}
        else:
            yield "kz.mvd.records.VehicleSubject", {"vin": "".join(rng.choice(VIN_LETTERS) for _ in range(17)),
                                                    "plate": None}


async def checks_at_rate(settings: HubSettings, codec, source: Iterator[tuple[str, dict]], rate: float,
                         seconds: float, answer_schema: str = "CheckResult",
                         legs: dict[str, list[float]] | None = None,
                         warm_up_s: float = 0.0) -> tuple[list[float], int, float]:
    """Send checks at `rate` per second for `seconds`, after `warm_up_s` seconds of untimed checks at the same
    rate; return latencies (ms) of the answers (messages of answer_schema that carry the check id), how many
    were sent, and the seconds from the first send to the last answer. With `legs`, each latency is also split
    at the answer's timestamp (when the answerer's producer stamped it, to the millisecond): "to_answer" before
    it, "from_answer" after."""

    from hub.bench.common import paced
    from hub.cli.checks import request_of
    from hub.domain.regions import scope_of_unit_code
    from hub.kafka.producer import make_producer
    from hub.kafka.reader import assign_from_start
    from hub.kafka.topics import CHECK_REQUESTS, CHECK_RESULTS

    gc.collect()
    gc.freeze()  # the generated persons held by this process are left out of its collections, which would
    # otherwise pause the client and be counted as the matcher's latency
    consumer = make_consumer(settings, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=100,
                             fetch_min_bytes=1)
    await consumer.start()
    # Requests of many requesters reach the broker together (up to 2 ms apart), as through a gateway, so
    # the client spends less of the shared 2-core machine; the 2 ms count in every latency measured.
    producer = make_producer(settings, linger_ms=2)
    await producer.start()
    read_check_id = codec.prefix_reader(answer_schema, "requester_unit")
    sent_at: dict[str, float] = {}
    sent_wall_ms: dict[str, float] = {}
    latencies: list[float] = []
    last_answer = 0.0
    try:
        partitions = await assign_from_start(consumer, settings, [CHECK_RESULTS.name(settings, scope_of_unit_code(REQUESTER["unit"]))])
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)

        async def receive() -> None:
            nonlocal last_answer
            while True:
                for records in (await consumer.getmany(timeout_ms=50)).values():
                    now, now_wall_ms = time.perf_counter(), time.time() * 1000
                    for record in records:
                        head = read_check_id(record.value) or codec.decode(record.value).value
                        check_id = head["check_id"]
                        if check_id in sent_at:
                            latencies.append((now - sent_at.pop(check_id)) * 1000)
                            last_answer = now
                            if legs is not None and check_id in sent_wall_ms:
                                legs["to_answer"].append(record.timestamp - sent_wall_ms.pop(check_id))
                                legs["from_answer"].append(now_wall_ms - record.timestamp)

        async def offer(count: int) -> float:
            asked = [next(source) for _ in range(count)]
            started = time.perf_counter()
            async for schema, subject in paced(asked, rate):
                request = request_of(schema, subject, REQUESTER)
                value = codec.encode("CheckRequest", request)
                sent_at[request["check_id"]] = time.perf_counter()
                sent_wall_ms[request["check_id"]] = time.time() * 1000
                await producer.send(topic, value, key=request["check_id"].encode())
            deadline = time.perf_counter() + 60
            while sent_at and time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
            return started

        topic = CHECK_REQUESTS.name(settings, scope_of_unit_code(REQUESTER["unit"]))
        if legs is not None:
            legs.update(to_answer=[], from_answer=[])
        receiver = asyncio.ensure_future(receive())
        await warm_up(producer, codec, settings, source, sent_at)
        # The broker's compiler and both ends' connections settle in the untimed checks: the figures are the
        # steady state's, for the baselines and the matcher alike.
        await offer(int(rate * warm_up_s))
        sent_at.clear()
        sent_wall_ms.clear()
        latencies.clear()
        if legs is not None:
            legs.update(to_answer=[], from_answer=[])
        count = int(rate * seconds)
        last_answer = 0.0
        started = await offer(count)
        receiver.cancel()
        return latencies, count, (last_answer or time.perf_counter()) - started
    finally:
        await producer.stop()
        await consumer.stop()


def bucket_quantile(worker, name: str, share: float) -> float:
    """Return the upper bound (ms) of the histogram bucket of the worker's metric where `share` is reached:
    the time the matcher itself saw, from the broker taking the request to its answer."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    url = f"http://{worker.settings.metrics_host}:{worker.settings.metrics_port}/metrics"
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    buckets = [(float(s.labels["le"]), s.value) for f in text_string_to_metric_families(text) if f.name == name
               for s in f.samples if s.name == f"{name}_bucket"]
    total = max((count for _, count in buckets), default=0)
    return next((bound * 1000 for bound, count in sorted(buckets) if count >= share * total), float("nan"))


async def warm_up(producer, codec, settings: HubSettings, source: Iterator[tuple[str, dict]],
                  sent_at: dict[str, float], timeout_s: float = 300.0) -> None:
    """Send one check and wait for its answer, so the timed checks start once the matcher's consumer
    group has joined (on a fresh broker the group coordinator takes a while to appear)."""
    from hub.cli.checks import request_of
    from hub.domain.regions import scope_of_unit_code
    from hub.kafka.topics import CHECK_REQUESTS

    request = request_of(*next(source), REQUESTER)
    sent_at[request["check_id"]] = time.perf_counter()
    await producer.send(CHECK_REQUESTS.name(settings, scope_of_unit_code(REQUESTER["unit"])), codec.encode("CheckRequest", request),
                        key=request["check_id"].encode())
    deadline = time.perf_counter() + timeout_s
    while request["check_id"] in sent_at and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


def wait_for_file(path: Path, timeout_s: float) -> float:
    """Wait until a file exists (the matcher's first index snapshot); return the monotonic time it was seen."""
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear in {timeout_s} s")
        time.sleep(0.2)
    return time.monotonic()


def wait_for_line(path: Path, text: str, timeout_s: float) -> float:
    """Wait until a log file holds a line with `text`; return the seconds waited."""
    started = time.monotonic()
    while text not in path.read_text(errors="replace"):
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"no '{text}' in {path} after {timeout_s} s")
        time.sleep(0.2)
    return time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def build_round(settings: HubSettings, work_dir: Path, records: int, number: int, progress=print) -> dict[str, Any]:
    """Read the register raw, then build the index with a matcher that has no snapshot; return both rates
    and their ratio (the matcher is stopped)."""
    from hub.bench.common import WorkerProcess, raw_consume_per_s
    from hub.kafka.topics import REGISTER
    from hub.services.matcher import snapshot_path_of

    progress("baseline: raw aiokafka reading the register")
    raw = round(asyncio.run(raw_consume_per_s(settings, [REGISTER.name(settings)], records)))
    snapshot_path_of(settings).unlink(missing_ok=True)
    worker = WorkerProcess(settings, work_dir / f"matcher-build-{number}.log", service="matcher")
    try:
        ready_s = worker.wait_for(lambda m: m.get("hub_match_index_ready_seconds", 0) > 0, 3600, poll_s=0.5)
    finally:
        worker.stop()
    built = round(records / (ready_s - worker.started_s))
    return {"raw_register_read_per_s": raw, "index_build_per_s": built, "build_vs_raw_read": round(built / raw, 3)}


def checks_round(cluster, settings: HubSettings, codec, people: list[kkru.Person], plates: list[str],
                 rate: float, seconds: float, seed: int, work_dir: Path, progress=print, *,
                 warm_up_s: float, worker=None) -> dict[str, Any]:
    """Return one round of the latency figures: the raw echo's, then the matcher's at the same rate, and
    their ratio (each timed after `warm_up_s` seconds of untimed checks)."""
    from hub.bench.common import StealMeter

    figures = raw_echo(cluster.secure, codec, work_dir, people, rate, seconds, seed, progress, warm_up_s=warm_up_s)
    progress(f"checking at {rate}/s for {seconds} s")
    steal = StealMeter()
    legs: dict[str, list[float]] = {}
    cpu_s = worker.cpu_s() if worker is not None else 0.0
    latencies, sent, elapsed_s = asyncio.run(checks_at_rate(
        settings, codec, subjects(random.Random(seed + 1), people, plates), rate, seconds, legs=legs,
        warm_up_s=warm_up_s))
    for leg, values in legs.items():  # before and after the matcher's producer stamped the answer
        figures[f"{leg}_p50_ms"] = round(percentile(values, 0.5), 1)
        figures[f"{leg}_p99_ms"] = round(percentile(values, 0.99), 1)
    figures["checks_steal_share"] = steal.share()
    if worker is not None:
        figures["matcher_cpu_ms_per_check"] = cpu_ms_per_check(worker.cpu_s() - cpu_s, rate, seconds + warm_up_s)
        figures["cpu_per_check_vs_raw_echo"] = ratio(figures["matcher_cpu_ms_per_check"],
                                                     figures["raw_echo_cpu_ms_per_check"])
    figures.update({"p50_ms": round(percentile(latencies, 0.5), 2), "p99_ms": round(percentile(latencies, 0.99), 2),
                    "checks_per_s": round(len(latencies) / elapsed_s, 1), "answered": len(latencies), "sent": sent})
    figures["p99_vs_raw_echo"] = ratio(figures["p99_ms"], figures["raw_echo_p99_ms"])
    return figures


def run(persons: int, things: int, rate: float, seconds: float, seed: int, work_dir: Path,
        repeats: int = REPEATS, progress=print, warm_up_s: float = WARM_UP_S) -> dict[str, Any]:
    """Run the latency benchmark against one broker and return its figures: the index build and the checks
    (each against its raw baseline) `repeats` times, each figure the median with its spread."""
    import uvloop

    from hub.bench.common import WorkerProcess, broker, drop_topics, fresh_settings
    from hub.kafka.producer import publish_placed
    from hub.services.matcher import snapshot_path_of
    from hub.services.refdata import codec_for

    uvloop.install()  # the checking client runs on the event loop the matcher runs on
    work_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"persons": persons, "things": things, "rate_per_s": rate, "seconds": seconds,
                              "warm_up_s": warm_up_s, "rounds": repeats}
    records = persons + things
    with broker(HubSettings(), quick_jit=False) as cluster:  # minutes of checks earn the optimising JIT back
        codec = codec_for(HubSettings())
        settings = fresh_settings(cluster.secure, "matcher", 6, work_dir)
        people = kkru.persons(persons, seed)
        progress(f"enrolling {persons} persons and {things} vehicles")
        asyncio.run(publish_placed(settings, register_messages(settings, codec, people, things, seed)))
        worker = None
        try:
            builds = repeated(lambda n: build_round(settings, work_dir, records, n, progress), repeats, progress)
            snapshot_path_of(settings).unlink(missing_ok=True)  # the checking matcher builds and writes its own
            worker = WorkerProcess(settings, work_dir / "matcher.log", service="matcher")
            ready_s = worker.wait_for(lambda m: m.get("hub_match_index_ready_seconds", 0) > 0, 3600, poll_s=0.5)
            result["rss_mb"] = round(worker.rss_mb())
            snapshot = snapshot_path_of(settings)
            result["snapshot_write_s"] = round(wait_for_file(snapshot, 3600) - ready_s, 1)
            result["snapshot_mb"] = round(snapshot.stat().st_size / 1e6)
            plates = [vehicle(random.Random(seed)).get("plate")]  # the first vehicle's plate is on the register
            checks = repeated(lambda n: checks_round(cluster, settings, codec, people, plates, rate, seconds,
                                                     seed + 10 * n, work_dir, progress, warm_up_s=warm_up_s,
                                                     worker=worker),
                              repeats, progress)
            result.update(summary([{**b, **c} for b, c in zip(builds, checks)]))
            result["matcher_p50_ms_le"] = bucket_quantile(worker, "hub_check_latency_seconds", 0.5)
            result["matcher_p99_ms_le"] = bucket_quantile(worker, "hub_check_latency_seconds", 0.99)
            result["rss_mb_after_checks"] = round(worker.rss_mb())  # the checks are kept for delayed hits
            worker.stop()
            progress("restarting the matcher from its snapshot")
            worker = WorkerProcess(settings, work_dir / "matcher.log", service="matcher")
            ready_s = worker.wait_for(lambda m: m.get("hub_match_index_ready_seconds", 0) > 0, 3600, poll_s=0.5)
            result["index_restore_per_s"] = round(records / (ready_s - worker.started_s))
            first_checks = subjects(random.Random(seed + 3), people, plates)
            asyncio.run(checks_at_rate(settings, codec, first_checks, rate, 0.01))  # ten checks
            result["restart_to_answers_s"] = round(time.monotonic() - worker.started_s, 1)  # recent checks too
            result["restored_rss_mb"] = round(worker.rss_mb())
            if cluster.plain is not None:
                worker.stop()
                result.update(plain_baseline(cluster, settings, codec, people, plates, rate, seconds, seed, work_dir,
                                             progress, warm_up_s=warm_up_s))
                result["p99_tls_vs_plain"] = ratio(result["p99_ms"], result["plain_p99_ms"])
        finally:
            if worker is not None:
                worker.stop()
            drop_topics(settings)
    return result


def plain_baseline(cluster, settings: HubSettings, codec, people: list[kkru.Person], plates: list[str], rate: float,
                   seconds: float, seed: int, work_dir: Path, progress=print, *,
                   warm_up_s: float) -> dict[str, Any]:
    """Return the matcher's p99 over the plaintext listener (one round: the baseline of TLS + SCRAM) and how long
    its takeover of the answered checks took."""
    from hub.bench.common import WorkerProcess

    plain = settings.model_copy(update={**cluster.plain, "kafka_client_properties": None, "log_level": "INFO"})
    progress(f"baseline: the matcher over the plaintext listener, checking at {rate}/s for {seconds} s")
    plain_log = work_dir / "matcher-plain.log"
    worker = WorkerProcess(plain, plain_log, service="matcher")
    try:
        worker.wait_for(lambda m: m.get("hub_match_index_ready_seconds", 0) > 0, 3600, poll_s=0.5)
        asyncio.run(checks_at_rate(plain, codec, subjects(random.Random(seed + 3), people, plates), rate,
                                   0.01))  # warm up the group
        # This restarted matcher takes over the checks answered before (replaying the fresh register against
        # them); the baseline is its steady state, as the secured phase's was.
        takeover_s = round(wait_for_line(plain_log, "taken over", 600), 1)
        latencies, _, _ = asyncio.run(checks_at_rate(
            plain, codec, subjects(random.Random(seed + 4), people, plates), rate, seconds, warm_up_s=warm_up_s))
    finally:
        worker.stop()
    return {"plain_takeover_s": takeover_s, "plain_p99_ms": round(percentile(latencies, 0.99), 2)}


def raw_echo(connection: dict[str, Any], codec, work_dir: Path, people: list[kkru.Person], rate: float, seconds: float,
             seed: int, progress, *, warm_up_s: float) -> dict[str, float]:
    """Run the same client against the raw aiokafka echo (hub.bench.echo) on topics of its own; return its
    p50 and p99 (ms), the baseline of the matcher's."""
    from hub.bench.common import StealMeter, WorkerProcess, drop_topics, fresh_settings

    progress(f"baseline: raw aiokafka echo at {rate}/s for {seconds} s")
    settings = fresh_settings(connection, "echo", 6, work_dir)
    echo = WorkerProcess(settings, work_dir / "echo.log", module="hub.bench.echo")
    steal = StealMeter()
    try:
        cpu_s = echo.cpu_s()
        latencies, _, _ = asyncio.run(checks_at_rate(settings, codec, subjects(random.Random(seed + 2), people, []),
                                                     rate, seconds, answer_schema="CheckRequest",
                                                     warm_up_s=warm_up_s))
        cpu_ms = cpu_ms_per_check(echo.cpu_s() - cpu_s, rate, seconds + warm_up_s)
    finally:
        echo.stop()
        drop_topics(settings)
    return {"raw_echo_p50_ms": round(percentile(latencies, 0.5), 2),
            "raw_echo_p99_ms": round(percentile(latencies, 0.99), 2), "echo_steal_share": steal.share(),
            "raw_echo_cpu_ms_per_check": cpu_ms}


def cpu_ms_per_check(cpu_s: float, rate: float, seconds: float) -> float:
    """Return a process's CPU milliseconds per check offered over `seconds` at `rate` (its idle work included):
    a figure that a noisy machine moves less than latency."""
    return round(1000 * cpu_s / (rate * seconds), 3)
