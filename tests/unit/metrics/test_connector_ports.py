"""A connector beside `./deploy/up` serves /metrics on a port of its own, never the hub's (issue 21)."""

from __future__ import annotations

import socket
import urllib.request

from prometheus_client import CollectorRegistry, Counter

from hub.metrics.prometheus import CONNECTOR_METRICS_PORTS, serve_connector_metrics
from hub.settings import HubSettings

HUB_PORTS = {9464, 9467, 9468}  # the aggregator, matcher and reconciler of ./deploy/up


def test_each_connector_has_its_own_default_port() -> None:
    ports = list(CONNECTOR_METRICS_PORTS.values())
    assert len(set(ports)) == len(ports) and not set(ports) & HUB_PORTS
    assert HubSettings().metrics_port in HUB_PORTS


def test_a_taken_default_port_gives_a_free_one_and_says_where(caplog) -> None:
    registry = CollectorRegistry()
    Counter("hub_test_items_total", "Items.", registry=registry).inc()
    taken = socket.socket()
    taken.bind(("127.0.0.1", CONNECTOR_METRICS_PORTS["webhook_sink"]))
    taken.listen()
    try:
        with caplog.at_level("INFO", logger="hub"):
            bound = serve_connector_metrics(registry, HubSettings(metrics_host="127.0.0.1"), "webhook_sink")
    finally:
        taken.close()
    assert bound != CONNECTOR_METRICS_PORTS["webhook_sink"]
    assert f"webhook_sink metrics at http://127.0.0.1:{bound}/metrics" in caplog.text
    text = urllib.request.urlopen(f"http://127.0.0.1:{bound}/metrics", timeout=5).read().decode()
    assert "hub_test_items_total 1.0" in text
