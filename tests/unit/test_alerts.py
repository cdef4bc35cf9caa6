"""The alert rules in deploy/prometheus: valid, unit-tested with the real promtool, on real metric names."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from prometheus_client import generate_latest

from connectors.metrics import PrometheusConnectorSensor
from hub.metrics.prometheus import PrometheusSensor

PROMETHEUS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def _promtool(*args: str) -> subprocess.CompletedProcess:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: ./deploy/test installs it (Debian package prometheus)"
    return subprocess.run([promtool, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120)


def test_rules_and_config_are_valid_and_their_unit_tests_pass() -> None:
    for args in (("check", "rules", "alerts.yml"), ("check", "config", "prometheus.yml"),
                 ("test", "rules", "alerts_test.yml")):
        done = _promtool(*args)
        assert done.returncode == 0, done.stdout + done.stderr


def test_every_metric_the_alerts_use_is_one_the_hub_exports() -> None:
    sensor = PrometheusSensor()
    sensor.on_event("KZ-75", "ENROL", "applied")
    sensor.on_lag("hub.events.kz-75", 0, 1)
    sensor.on_applied_latency(0.5)
    sensor.on_rejection("INVALID_GROUND")
    sensor.on_check("HIT", 0.01)
    sensor.on_check_refused("UNKNOWN_UNIT")
    sensor.on_index_left_out(1)
    connectors = PrometheusConnectorSensor("webhook_sink")
    for hook in (connectors.on_sent, connectors.on_failed, connectors.on_retried, connectors.on_lag):
        hook(1)
    connectors.on_invalid("INVALID_FIELD")
    exported = set(re.findall(r"^(hub_[a-z_]+)", generate_latest(sensor.registry).decode()
                              + generate_latest(connectors.registry).decode(), re.M))
    used = set(re.findall(r"\b(hub_[a-z_]+)", (PROMETHEUS_DIR / "alerts.yml").read_text()))
    assert used and used <= exported, used - exported
