"""The matchers' half of the scale benchmark: check latency with 1, then 2 matchers on three brokers."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from hub.bench import kkru
from hub.bench.common import WorkerProcess, drop_topics, fresh_settings
from hub.bench.matcher import checks_at_rate, percentile, register_messages, subjects, vehicle
from hub.kafka.local_broker import free_port
from hub.kafka.producer import publish_placed

CHECK_PARTITIONS = 4  # of each request topic: the one requester's checks are shared by the matchers
WARM_UP_S = 10.0  # of checks after each group change, not timed (the rebalance, the brokers' JIT)


def matcher_scaling(connection: dict[str, Any], work_dir: Path, codec, persons: int, things: int, rate: float,
                    seconds: float, seed: int, progress) -> dict[str, float]:
    """Return the p99 (ms) of checks at `rate` answered by 1, then 2 matchers over the same register, and how
    many checks went unanswered."""
    settings = fresh_settings({**connection, "check_partitions": CHECK_PARTITIONS}, "scalem", 6, work_dir)
    people = kkru.persons(persons, seed)
    progress(f"enrolling {persons} persons and {things} vehicles on the cluster")
    asyncio.run(publish_placed(settings, register_messages(settings, codec, people, things, seed)))
    plates = [vehicle(random.Random(seed)).get("plate")]  # the first vehicle's plate is on the register
    figures: dict[str, float] = {"checks_lost": 0}
    matchers: list[WorkerProcess] = []
    try:
        for count in (1, 2):
            matchers.append(WorkerProcess(settings.model_copy(update={
                "metrics_port": free_port(), "data_dir": settings.data_dir / f"matcher-{count}"}),
                work_dir / f"scale-matcher-{count}.log", service="matcher"))
            for matcher in matchers:
                matcher.wait_for(lambda m: m.get("hub_match_index_ready_seconds", 0) > 0, 3600, poll_s=0.5)
            progress(f"checking at {rate}/s with {count} matcher(s)")
            asyncio.run(checks_at_rate(settings, codec, subjects(random.Random(seed + 10 + count), people, plates),
                                       rate, WARM_UP_S))
            latencies, sent, _ = asyncio.run(checks_at_rate(
                settings, codec, subjects(random.Random(seed + count), people, plates), rate, seconds))
            figures[f"matcher_{count}_p50_ms"] = round(percentile(latencies, 0.5), 1)
            figures[f"matcher_{count}_p99_ms"] = round(percentile(latencies, 0.99), 1)
            figures["checks_lost"] += sent - len(latencies)
            figures[f"matcher_{count}_cpu_s"] = round(sum(m.cpu_s() for m in matchers), 1)
    finally:
        for matcher in matchers:
            matcher.stop()
        drop_topics(settings)
    figures["matcher_rate_per_s"] = rate
    return figures
