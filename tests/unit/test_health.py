"""Liveness and readiness as /healthz and /readyz answer them, served beside /metrics (no broker)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

from prometheus_client import CollectorRegistry, Counter

from hub.health import Health, watch_for_stuck
from hub.metrics.endpoints import serve_endpoints


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_a_loop_that_stops_beating_is_not_alive_and_so_not_ready():
    clock = Clock()
    health = Health(stale_after_s=30.0, clock=clock)
    health.beat()
    clock.now_s += 29
    assert health.alive()[0] and health.ready() == (True, {"alive": True})
    clock.now_s += 2
    alive, detail = health.alive()
    assert not alive and "31 s" in detail and health.ready()[0] is False


def test_readiness_waits_for_every_condition_and_a_failing_probe_is_not_ready():
    health = Health()
    health.expect("match_index")
    recovered = {"done": False}
    health.require("tables_recovered", lambda: recovered["done"])
    health.require("broken", lambda: 1 / 0)
    health.refresh()
    assert health.ready() == (False, {"match_index": False, "tables_recovered": False, "broken": False,
                                      "alive": True})
    health.set("match_index")
    recovered["done"] = True
    health.require("broken", lambda: True)
    assert health.ready()[0] is False  # conditions are asked on the service's loop (refresh), not by the probe
    health.refresh()
    assert health.ready() == (True, {"match_index": True, "tables_recovered": True, "broken": True, "alive": True})


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_the_endpoints_answer_by_the_state_and_metrics_stay_where_they_were():
    registry = CollectorRegistry()
    Counter("hub_probe_total", "A counter to find.", registry=registry).inc()
    clock = Clock()
    health = Health(stale_after_s=30.0, clock=clock)
    health.expect("match_index")
    base = f"http://127.0.0.1:{serve_endpoints(registry, '127.0.0.1', 0, health)}"
    status, body = get(f"{base}/metrics")
    assert status == 200 and "hub_probe_total 1.0" in body
    assert get(f"{base}/healthz")[0] == 200
    status, body = get(f"{base}/readyz")
    assert status == 503 and json.loads(body)["conditions"]["match_index"] is False
    health.set("match_index")
    assert get(f"{base}/readyz")[0] == 200
    clock.now_s += 60  # the loop stuck
    assert get(f"{base}/healthz")[0] == 503 and get(f"{base}/readyz")[0] == 503
    assert get(f"{base}/nothing")[0] == 404
    plain = f"http://127.0.0.1:{serve_endpoints(registry, '127.0.0.1', 0)}"  # a connector keeps no Health
    assert get(f"{plain}/healthz")[0] == 200 and get(f"{plain}/readyz")[0] == 200


def test_a_start_stuck_for_the_whole_limit_is_reported_once_and_a_break_starts_the_count_again():
    clock = Clock()
    states = iter([True] * 8 + [False] + [True] * 100)  # stuck 8 ticks, moving once, then stuck for good
    reported: list[float] = []

    def stuck() -> bool:
        clock.now_s += 1.0  # one tick of the watch's clock per look
        return next(states)

    async def watch() -> None:
        await watch_for_stuck(stuck, 10.0, reported.append, interval_s=0, clock=clock)
    asyncio.run(asyncio.wait_for(watch(), timeout=5))
    # 8 stuck ticks never reached the limit; the count began again after the break and reached 10 there
    assert reported == [10.0] and clock.now_s == 100.0 + 8 + 1 + 11
    assert len(list(states)) == 100 - 11  # it returned once reported, not polling on
