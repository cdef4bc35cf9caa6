"""Benchmark of the aggregator: batched events vs one event per message vs raw reading, and recovery."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import time
from pathlib import Path
from typing import Any, Iterable

from hub.bench.common import raw_consume_per_s
from hub.bench.repeats import REPEATS, repeated, summary
from hub.codec import AvroCodec
from hub.domain.register import apply_event
from hub.domain.simulate import interleave, simulators
from hub.domain.validation import hinted
from hub.kafka.partitioning import group_by_partition
from hub.kafka.producer import publish_placed
from hub.kafka.topics import CHANGES, REGISTER, regional_events_topic
from hub.refdata.load import starter_passports
from hub.services.rejections import region_of_topic
from hub.settings import HubSettings

Message = tuple[str, "int | None", bytes, bytes]
# How often the worker's /metrics is read while it runs. Every 50 ms, rendering the page took 12 % of
# the worker's CPU (py-spy); a quarter second keeps the run's end within 1 % of a run of a minute.
POLL_S = 0.25


def simulated_events(count: int, seed: int) -> list[dict[str, Any]]:
    """Return `count` realistic events of all regions, in the order the regions would send them."""
    stream = interleave(simulators(seed), random.Random(seed), int(time.time() * 1000))
    return [next(stream) for _ in range(count)]


def batch_messages(settings: HubSettings, codec: AvroCodec, events: list[dict], size: int) -> list[Message]:
    """Return the events as RecordEventBatch messages: per region and partition, in order, `size` at most."""
    messages: list[Message] = []
    by_region: dict[str, list[dict]] = {}
    for event in events:
        by_region.setdefault(event["region"], []).append(event)
    for region, region_events in by_region.items():
        topic = regional_events_topic(region).name(settings)
        groups = group_by_partition(region_events, lambda e: e["record_id"].encode(), settings.partitions)
        for partition, group in groups.items():
            for start in range(0, len(group), size):
                chunk = group[start:start + size]
                value = codec.encode("RecordEventBatch", {"batch_id": f"{region}-{partition}-{start}",
                                                          "region": region, "events": chunk})
                messages.append((topic, partition, f"{region}-{partition}".encode(), value))
    return messages


def single_messages(settings: HubSettings, codec: AvroCodec, events: list[dict]) -> list[Message]:
    """Return the events one per message, keyed by record id."""
    return [(regional_events_topic(e["region"]).name(settings), None, e["record_id"].encode(),
             codec.encode("RecordEvent", e)) for e in events]


def register_messages(settings: HubSettings, codec: AvroCodec, count: int, seed: int) -> Iterable[Message]:
    """Yield `count` live register records (as the aggregator writes them) for the register topic."""
    passports = {p["code"]: p for p in starter_passports(settings.refdata_dir)}
    templates = [e for e in simulated_events(2000, seed) if e["action"] == "ENROL"]
    now_ms = int(time.time() * 1000)
    topic = REGISTER.name(settings)
    for n in range(count):
        template = templates[n % len(templates)]
        record_id = f"{template['region']}-{template['record_type']}-{n:09d}"
        event = {**template, "record_id": record_id, "event_id": f"bench-{n}"}
        state = apply_event(None, event, passports[event["record_type"]], now_ms).state
        yield topic, None, record_id.encode(), codec.encode("RegisterRecord", hinted(state))


def worker_rate(worker, total: int, timeout_s: float) -> tuple[float, float, float]:
    """Return events per second a running worker handles (from its first handled event to the last),
    the CPU time it spent per event, in microseconds, and the machine's steal share meanwhile."""
    from hub.bench.common import StealMeter

    handled = lambda m: m.get("hub_events_total", 0.0)  # noqa: E731
    worker.wait_for(lambda m: handled(m) > 0, timeout_s, poll_s=POLL_S)
    first_s, first, first_cpu_s, steal = time.monotonic(), handled(worker.metrics()), worker.cpu_s(), StealMeter()
    last_s = worker.wait_for(lambda m: handled(m) >= total, timeout_s, poll_s=POLL_S)
    done = max(total - first, 1)
    return done / max(last_s - first_s, 1e-9), (worker.cpu_s() - first_cpu_s) / done * 1e6, steal.share()


def measured_run(settings: HubSettings, log: Path, total: int, keep_topics: bool = False,
                 **worker_options) -> tuple[float, float, float]:
    """Start a worker over already published events, measure it until `total` are handled, then clean up
    (the topics too, unless kept for another phase)."""
    from hub.bench.common import WorkerProcess, drop_topics

    worker = WorkerProcess(settings, log, **worker_options)
    try:
        return worker_rate(worker, total, timeout_s=900)
    finally:
        worker.stop()
        if not keep_topics:
            drop_topics(settings)


QUIX_PYTHON = Path(__file__).resolve().parents[2] / ".venv-quix" / "bin" / "python"


def quix_peer_run(settings: HubSettings, topics: list[str], total: int, log: Path,
                  changes: str | None = None) -> tuple[int, int]:
    """Run the Quix Streams peer (hub/bench/quix_peer.py, in .venv-quix, which ./deploy/bench makes) over
    already published single events, writing a change log to `changes` when given; return its events per
    second and CPU microseconds per event."""
    regions = sorted(region_of_topic(topic) for topic in topics)
    if not QUIX_PYTHON.exists():
        raise RuntimeError(f"{QUIX_PYTHON} is missing: run ./deploy/bench, which installs Quix Streams there")
    from hub.bench.common import worker_env

    with open(log, "ab") as out:
        done = subprocess.run([str(QUIX_PYTHON), "-m", "hub.bench.quix_peer", "--expect", str(total),
                               "--regions", ",".join(regions), *(["--changes", changes] if changes else [])],
                              env=worker_env(settings), stdout=subprocess.PIPE, stderr=out,
                              timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the Quix Streams peer failed ({done.returncode}); see {log}")
    figures = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return figures["events_per_s"], figures["cpu_us_per_event"]


def recovery_round(settings: HubSettings, work_dir: Path, records: int, number: int,
                   progress=print) -> dict[str, Any]:
    """Start a worker over a register of `records` records with no local state (cold), kill it with
    SIGKILL once it is ready, start it again over its own data directory (restart) and return how long
    each took until the register was counted, and the memory after each."""
    from hub.bench.common import WorkerProcess

    own = settings.model_copy(update={"data_dir": settings.data_dir / f"round-{number}"})
    figures: dict[str, Any] = {}
    for phase, key in (("cold", "cold_recovery_s_1m"), ("restart", "recovery_s_1m")):
        progress(f"{phase} recovery of {records} records")
        worker = WorkerProcess(own, work_dir / f"recovery-{phase}-{number}.log")
        try:
            ready_s = worker.wait_for(lambda m: m.get("hub_register_records", 0) >= records, 900, poll_s=0.25)
            figures[key] = round(ready_s - worker.started_s, 1)
            figures["rss_mb_1m" if phase == "restart" else "cold_rss_mb_1m"] = round(worker.rss_mb())
        finally:
            worker.stop(kill=True)
    return figures


def throughput_round(cluster, codec: AvroCodec, stream: list[dict], events: int, naive_events: int,
                     single_events: int, batch_size: int, partitions: int, work_dir: Path, profile: Path | None,
                     progress=print) -> dict[str, Any]:
    """Return one round's throughput figures, each phase on topics of its own (dropped after it): raw
    aiokafka reading single events, a naive Faust agent, the hub on single events, the hub on batches
    over TLS and over plaintext."""
    from hub.bench.common import drop_topics, fresh_settings

    figures: dict[str, Any] = {}
    naive = fresh_settings(cluster.secure, "naive", partitions, work_dir)
    progress(f"producing {naive_events} single events for the naive Faust agent")
    asyncio.run(publish_placed(naive, single_messages(naive, codec, stream[:naive_events])))
    rate, cpu_us, steal = measured_run(naive, work_dir / "naive.log", naive_events, module="hub.bench.naive")
    figures["naive_faust_events_per_s"], figures["naive_cpu_us_per_event"] = round(rate), round(cpu_us)
    figures["naive_steal_share"] = steal
    drop_topics(naive)

    alone = fresh_settings(cluster.secure, "singles", partitions, work_dir)
    singles = single_messages(alone, codec, stream[:single_events])
    progress(f"producing {len(singles)} single events")
    asyncio.run(publish_placed(alone, singles))
    names = sorted({topic for topic, *_ in singles})
    figures["raw_consume_per_s"] = round(asyncio.run(raw_consume_per_s(alone, names, len(singles))))
    rate, cpu_us, _ = measured_run(alone, work_dir / "singles.log", single_events, keep_topics=True)
    figures["hub_single_events_per_s"], figures["hub_single_cpu_us_per_event"] = round(rate), round(cpu_us)
    progress(f"the same {len(singles)} single events through the Quix Streams peer, without and with a change log")
    peer = quix_peer_run(alone, names, single_events, work_dir / "quix.log")
    figures["quix_single_events_per_s"], figures["quix_single_cpu_us_per_event"] = peer
    figures["single_vs_quix"] = round(figures["hub_single_events_per_s"] / max(peer[0], 1), 2)
    logged = quix_peer_run(alone, names, single_events, work_dir / "quix.log", changes=CHANGES.name(alone))
    figures["quix_logged_single_events_per_s"], figures["quix_logged_single_cpu_us_per_event"] = logged
    figures["single_vs_quix_logged"] = round(figures["hub_single_events_per_s"] / max(logged[0], 1), 2)
    drop_topics(alone)

    hub = fresh_settings(cluster.secure, "hub", partitions, work_dir)
    batches = batch_messages(hub, codec, stream[:events], batch_size)
    progress(f"producing {events} events in {len(batches)} batches")
    asyncio.run(publish_placed(hub, batches))
    rate, cpu_us, steal = measured_run(hub, work_dir / "hub.log", events, profile=profile)
    figures["hub_events_per_s"], figures["hub_cpu_us_per_event"] = round(rate), round(cpu_us)
    figures["hub_steal_share"] = steal
    drop_topics(hub)
    if cluster.plain is not None:
        plain = fresh_settings(cluster.plain, "plain", partitions, work_dir)
        progress(f"the same {events} events over the plaintext listener (baseline of TLS + SCRAM)")
        asyncio.run(publish_placed(plain, batch_messages(plain, codec, stream[:events], batch_size)))
        rate, _, _ = measured_run(plain, work_dir / "plain.log", events)
        figures["hub_plain_events_per_s"] = round(rate)
        figures["hub_tls_vs_plain"] = round(figures["hub_events_per_s"] / max(rate, 1), 2)
        drop_topics(plain)
    figures["hub_vs_naive"] = round(figures["hub_events_per_s"] / max(figures["naive_faust_events_per_s"], 1), 2)
    figures["single_vs_raw_consume"] = round(figures["hub_single_events_per_s"] / max(figures["raw_consume_per_s"], 1), 3)
    return figures


def run(events: int, naive_events: int, single_events: int, records: int, batch_size: int, partitions: int,
        seed: int, work_dir: Path, profile: Path | None = None, repeats: int = REPEATS, progress=print) -> dict[str, Any]:
    """Run the whole aggregator benchmark against one broker: its timed phases `repeats` times, each figure
    the median of the rounds with its spread (<figure>_min, <figure>_max)."""
    from hub.bench.common import broker, drop_topics, fresh_settings
    from hub.services.refdata import codec_for

    work_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"events": events, "naive_events": naive_events, "single_events": single_events,
                              "records": records,
                              "batch_size": batch_size, "partitions": partitions, "rounds": repeats}
    with broker(HubSettings()) as cluster:
        codec = codec_for(HubSettings())
        stream = simulated_events(max(events, naive_events, single_events), seed)
        rounds = repeated(lambda n: throughput_round(cluster, codec, stream, events, naive_events, single_events,
                                                     batch_size,
                                                     partitions, work_dir, profile if n == 0 else None, progress),
                          repeats, progress)
        full = fresh_settings(cluster.secure, "recovery", partitions, work_dir)
        progress(f"writing {records} register records")
        asyncio.run(publish_placed(full, register_messages(full, codec, records, seed)))
        try:
            recoveries = repeated(lambda n: recovery_round(full, work_dir, records, n, progress), repeats, progress)
        finally:
            drop_topics(full)
    result.update(summary([{**r, **c} for r, c in zip(rounds, recoveries)]))
    return result
