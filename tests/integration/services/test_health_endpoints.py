"""Each service serves /healthz and /readyz beside /metrics on the real broker: ready once its state is
(the aggregator's tables recovered, the matcher's index following the register, the reconciler's view
assigned), and no longer answering once the process is gone."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from hub.kafka.admin import provision
from hub.kafka.local_broker import free_port
from hub.kafka.topics import all_topics
from hub.services.refdata import load_reference_data
from tests.integration.helpers import Worker

EXPECTED = {"aggregator": "tables_recovered", "matcher": "match_index", "reconciler": "register_followed"}


def probe(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())
    except OSError:
        return 0, {}


def test_every_service_says_when_it_is_alive_and_ready(hub_settings, tmp_path: Path):
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    ports = {service: free_port() for service in EXPECTED}
    settings = {service: hub_settings.model_copy(update={"metrics_port": port, "start_stuck_limit_s": 30.0,
                                                         "data_dir": tmp_path / f"data-{service}"})
                for service, port in ports.items()}
    workers = {service: Worker(settings[service], tmp_path / f"{service}.log", service=service) for service in ports}
    seen: dict[str, list[int]] = {service: [] for service in EXPECTED}
    try:
        deadline = time.monotonic() + 150
        ready: dict[str, dict] = {}
        while len(ready) < len(EXPECTED) and time.monotonic() < deadline:
            for service, port in ports.items():
                exited = workers[service].proc.poll()
                assert exited in (None, 75), (service, exited, (tmp_path / f"{service}.log").read_text()[-3000:])
                workers[service].restart_if_exited(settings[service])  # a stuck start asks (75): supervise would
                status, body = probe(port, "/readyz")
                seen[service].append(status)
                if status == 200:
                    ready[service] = body
            time.sleep(0.5)
        states = {s: (probe(port, "/healthz"), probe(port, "/readyz")) for s, port in ports.items()}
        assert set(ready) == set(EXPECTED), (states, {s: statuses[-5:] for s, statuses in seen.items()})
        for service, condition in EXPECTED.items():
            assert ready[service]["conditions"] == {"started": True, condition: True, "alive": True}, ready[service]
            status, body = probe(ports[service], "/healthz")
            assert status == 200 and body["alive"], body
            assert float(body["detail"].split(" ran ")[1].split(" s")[0]) < 5, body  # its loop beats
            with urllib.request.urlopen(f"http://127.0.0.1:{ports[service]}/metrics", timeout=5) as metrics:
                assert b"# HELP" in metrics.read()
        workers["matcher"].stop()
        assert probe(ports["matcher"], "/healthz")[0] == 0  # gone: a probe that finds nothing restarts it
    finally:
        for worker in workers.values():
            worker.stop()
