"""./deploy/up --demo: every panel has data within two minutes, no ERROR in several, and Ctrl-C leaves no
process or port behind.

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
import urllib.parse
import urllib.request
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


def _free_base_port() -> int:
    """Return a port p with p, p+3, p+4 (the hub's services), p+6 (webhook sink) and p+9 (demo client) free."""
    while True:
        base = free_port()
        if base + 9 < 65536 and not any(port_is_open(base + k) for k in (3, 4, 6, 9)):
            return base


def _start_prometheus(tmp_path: Path, base: int) -> tuple[subprocess.Popen, str]:
    """Run Debian's Prometheus scraping the hub's services and connectors every 2 s; return it and its API."""
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 2s, evaluation_interval: 2s}\n"
        "scrape_configs:\n"
        f"  - job_name: records-hub\n    static_configs: [{{targets: ['127.0.0.1:{base}', '127.0.0.1:{base + 3}', "
        f"'127.0.0.1:{base + 4}']}}]\n"
        f"  - job_name: records-hub-connectors\n    static_configs: [{{targets: ['127.0.0.1:{base + 6}', "
        f"'127.0.0.1:{base + 9}']}}]\n")
    server = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                               f"--web.listen-address=127.0.0.1:{port}"], stdout=open(tmp_path / "prometheus.log", "w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    return server, f"http://127.0.0.1:{port}/api/v1/query"


def _panel_queries() -> list[tuple[str, str]]:
    dashboard = json.loads((REPO / "deploy" / "grafana" / "records-hub.json").read_text())
    values = {"$__rate_interval": "30s", "$connector_job": "records-hub-connectors", "$job": "records-hub"}
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for name, value in values.items():
                expr = expr.replace(name, value)
            found.append((panel["title"], expr))
    return found


def _has_data(api: str, expr: str) -> bool:
    try:
        answer = json.loads(urllib.request.urlopen(f"{api}?{urllib.parse.urlencode({'query': expr})}",
                                                   timeout=5).read())
    except OSError:
        return False
    return answer.get("status") == "success" and bool(answer["data"]["result"])


def _hub_json(env: dict, *args: str) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "hub", *args, "--json"], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _log_problems(run: Path) -> list[str]:
    """Return every ERROR line of the services' logs, and every line that starts a message without a timestamp
    (a multi-line record's later lines are tables and indented text)."""
    problems = []
    for log in sorted(run.glob("*.log")):
        if log.name == "topics.log":
            continue  # the output of `hub topics create`, a table
        for line in log.read_text(errors="replace").splitlines():
            if "[ERROR]" in line or "Traceback" in line:
                problems.append(f"{log.name}: {line[:300]}")
            elif line and not line.startswith(("[20", "+", "|", " ", "\t")):
                problems.append(f"{log.name} (no timestamp): {line[:300]}")
    return problems


def test_up_demo_shows_everything_quietly_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    """The demo for two minutes and more: every dashboard panel has data in Prometheus within two, refusals, manifests'
    differences and every kind of check answer are there to see, and no service logs an ERROR."""
    base = _free_base_port()
    env = {**os.environ, "HUB_RUN_DIR": str(tmp_path / "run"), "HUB_METRICS_PORT": str(base),
           "HUB_DEMO_RECEIVER_PORT": str(free_port()), "HUB_PARTITIONS": "2",
           "HUB_STREAM_STALL_TIMEOUT_S": "20"}  # Faust's stall checks (every partition, false ERRORs) run early
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "HUB_TOPIC_PREFIX", "HUB_APP_ID"):
        env.pop(name, None)  # the hub's own broker, with the names a newcomer gets
    log = open(tmp_path / "up.log", "w")
    up = subprocess.Popen([str(REPO / "deploy" / "up"), "--demo"], cwd=REPO, env=env, stdout=log,
                          stderr=subprocess.STDOUT, start_new_session=True)
    prometheus, api = _start_prometheus(tmp_path, base)
    url = f"http://127.0.0.1:{base}/metrics"
    started, flowing = time.monotonic(), 0.0
    try:
        while time.monotonic() - started < 150 and flowing < 100:
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            flowing = _events_total(url)
            time.sleep(1)
        assert flowing >= 100, f"only {flowing} events in 150 s: {(tmp_path / 'up.log').read_text()}"
        flow_started, empty = time.monotonic(), _panel_queries()
        while empty and time.monotonic() - flow_started < 120:
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            empty = [(title, expr) for title, expr in empty if not _has_data(api, expr)]
            time.sleep(5)
        assert not empty, f"panels without data after 2 minutes: {empty}"
        assert "hub check --plate" in (tmp_path / "up.log").read_text()  # the banner names subjects to check

        state = json.loads((tmp_path / "run" / "broker" / "cluster.json").read_text())
        # A hub command with no HUB_KAFKA_* setting finds this hub through the run file up wrote.
        bare = {k: v for k, v in env.items() if not k.startswith(("HUB_KAFKA_", "HUB_METRICS_PORT"))}
        bare = {**bare, "HUB_RUN_FILE": str(tmp_path / "run" / "hub.env")}
        reports: list[dict] = []
        while not any(len(r["differences"]) >= 3 for r in reports) and time.monotonic() - flow_started < 150:
            time.sleep(5)  # the first manifest goes 45 s after the demo starts
            reports = _hub_json(bare, "reconcile")
        assert any(len(r["differences"]) >= 3 for r in reports), reports
        refused = _hub_json(bare, "rejected", "--since-h", "1")
        assert len({r["reason_code"] for r in refused}) >= 3, refused[:5]
        asked = {n["kind"] for n in _hub_json(bare, "notifications", "--unit", "KZ-71-CP")}
        assert {"CHECK_RESULT", "WRITTEN_ANSWER", "DELAYED_HIT"} <= asked, asked
        possible = [n["attributes"].get("outcome") for n in _hub_json(bare, "notifications", "--unit", "KZ-71-LP")]
        assert "POSSIBLE_HIT" in possible, possible
        owner = {n["kind"] for n in _hub_json(bare, "notifications", "--unit", "KZ-75-REC")}
        assert "RESTRICTED_RECORD_ASKED" in owner, owner
        while time.monotonic() - flow_started < 120:  # minutes of normal work
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            time.sleep(5)
        assert _log_problems(tmp_path / "run") == []
    finally:
        os.killpg(up.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends to the foreground group
        up.wait(timeout=90)
        prometheus.terminate()
        prometheus.wait(timeout=30)
    assert up.returncode == 0, (tmp_path / "up.log").read_text()[-3000:]
    ports = [base] + [p for n in state["nodes"] for p in (n["broker_port"], n["controller_port"])]
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
