"""./deploy/up --demo: events flow within a minute, and Ctrl-C leaves no process or port behind.

Checked by: the metrics port and every broker and controller port refuse connections after
Ctrl-C, and no process is left whose command line or environment names this run's folder
(the broker's nodes, `hub run` and `hub demo` all inherit HUB_RUN_DIR).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from hub.kafka.local_broker import free_port, port_is_open

REPO = Path(__file__).resolve().parents[2]


def _events_total(url: str) -> float:
    return _metric_sum(url, "hub_events_total{")


def _metric_sum(url: str, head: str) -> float:
    try:
        text = urllib.request.urlopen(url, timeout=2).read().decode()
    except OSError:
        return 0.0
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(head))


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in cmdline or text in environ:
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found


def test_up_demo_shows_events_flowing_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    metrics_port = free_port()
    env = {**os.environ, "HUB_RUN_DIR": str(tmp_path / "run"), "HUB_METRICS_PORT": str(metrics_port),
           "HUB_TOPIC_PREFIX": f"up{uuid.uuid4().hex[:8]}", "HUB_APP_ID": f"up-{uuid.uuid4().hex[:8]}",
           "HUB_PARTITIONS": "2"}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    log = open(tmp_path / "up.log", "w")
    up = subprocess.Popen([str(REPO / "deploy" / "up"), "--demo"], cwd=REPO, env=env, stdout=log,
                          stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    started, flowing = time.monotonic(), 0.0
    try:
        while time.monotonic() - started < 120 and flowing < 100:
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            flowing = _events_total(url)
            time.sleep(1)
        assert flowing >= 100, f"only {flowing} events in 120 s: {(tmp_path / 'up.log').read_text()}"
        state = json.loads((tmp_path / "run" / "broker" / "cluster.json").read_text())
        # A hub command with no HUB_KAFKA_* setting finds this hub through the run file up wrote.
        bare = {k: v for k, v in env.items() if not k.startswith("HUB_KAFKA_")}
        shown = subprocess.run([sys.executable, "-m", "hub", "reconcile", "--json"], cwd=tmp_path, capture_output=True,
                               text=True, timeout=120, env={**bare, "HUB_RUN_FILE": str(tmp_path / "run" / "hub.env")})
        assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr[-2000:]
    finally:
        os.killpg(up.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends to the foreground group
        up.wait(timeout=90)
    assert up.returncode == 0, (tmp_path / "up.log").read_text()[-3000:]
    ports = [metrics_port] + [p for n in state["nodes"] for p in (n["broker_port"], n["controller_port"])]
    assert [p for p in ports if port_is_open(p)] == []
    assert _processes_mentioning(str(tmp_path / "run")) == []
    assert "everything stopped" in (tmp_path / "up.log").read_text()

    # Up again in the same folder: the same broker with its data, the register kept; SIGTERM exits 0.
    up = subprocess.Popen([str(REPO / "deploy" / "up")], cwd=REPO, env=env, stdout=open(tmp_path / "up2.log", "w"),
                          stderr=subprocess.STDOUT, start_new_session=True)
    try:
        kept, started = 0.0, time.monotonic()
        while time.monotonic() - started < 120 and kept == 0:
            assert up.poll() is None, (tmp_path / "up2.log").read_text()
            kept = _metric_sum(url, "hub_register_records{")
            time.sleep(1)
        assert kept > 0, (tmp_path / "up2.log").read_text()[-3000:]
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=90)
    assert up.returncode == 0, (tmp_path / "up2.log").read_text()[-3000:]
    assert "ConsistencyError" not in (tmp_path / "run" / "aggregator.log").read_text()
