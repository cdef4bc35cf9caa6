"""The Grafana dashboard in deploy/grafana: every query valid PromQL (by the real promtool), on real metric names."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from prometheus_client import generate_latest

from connectors.metrics import PrometheusConnectorSensor
from hub.metrics.prometheus import PrometheusSensor

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "records-hub.json"
# Grafana's own variables, as Prometheus would see them once Grafana has put their values in.
GRAFANA_VALUES = {"$__rate_interval": "1m", "$job": "records-hub", "$connector_job": "records-hub-connectors"}


def _queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def _exported_names() -> set[str]:
    hub, connector = PrometheusSensor(), PrometheusConnectorSensor("outbox-relay")
    hub.on_event("KZ-75", "ENROL", "applied")
    hub.on_lag("hub.events.kz-75", 0, 1)
    hub.on_rejection("INVALID_GROUND")
    hub.on_register_change("WANTED_PERSON", None, "LIVE")
    hub.on_check("HIT", 0.01)
    connector.on_invalid("INVALID_FIELD")
    text = generate_latest(hub.registry).decode() + generate_latest(connector.registry).decode()
    return set(re.findall(r"^(hub_[a-z_]+)", text, re.M))


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: ./deploy/test installs it (Debian package prometheus)"
    queries = _queries()
    assert len(queries) >= 15
    rules = tmp_path / "dashboard_rules.yml"
    lines = ["groups:", "  - name: dashboard", "    rules:"]
    for n, query in enumerate(queries):
        for variable, value in GRAFANA_VALUES.items():
            query = query.replace(variable, value)
        lines += [f"      - record: dashboard:query_{n}", f"        expr: {json.dumps(query)}"]
    rules.write_text("\n".join(lines) + "\n")
    done = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(queries)} rules found" in done.stdout


def test_every_metric_the_dashboard_shows_is_one_the_hub_or_a_connector_exports() -> None:
    used = {name for query in _queries() for name in re.findall(r"\b(hub_[a-z_]+)", query)}
    assert used and used <= _exported_names(), used - _exported_names()


def test_provisioning_points_grafana_at_the_dashboard_and_prometheus() -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    assert "type: prometheus" in (provisioning / "datasources" / "prometheus.yml").read_text()
    assert "type: file" in (provisioning / "dashboards" / "records-hub.yml").read_text()
    jobs = re.findall(r"job_name: (\S+)", (DEPLOY / "prometheus" / "prometheus.yml").read_text())
    dashboard_jobs = {v["current"]["value"] for v in json.loads(DASHBOARD.read_text())["templating"]["list"]
                      if v["type"] == "custom"}
    assert dashboard_jobs <= set(jobs)
