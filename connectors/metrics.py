"""The Prometheus adapter of the connectors' sensor hooks (connectors/sensors.py)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from connectors.sensors import NULL_CONNECTOR_SENSOR, ConnectorSensor
from hub.health import Health

__all__ = ["NULL_CONNECTOR_SENSOR", "ConnectorSensor", "PrometheusConnectorSensor"]


class PrometheusConnectorSensor(ConnectorSensor):
    """Counts a connector's work into a Prometheus registry, labelled by connector name."""

    def __init__(self, connector: str, registry: CollectorRegistry | None = None, health: Health | None = None):
        """Create the metrics for one connector (in a new registry unless given); a consumer's polls also
        keep `health`."""
        self.registry = registry or CollectorRegistry()
        self.health = health
        r, label = self.registry, ["connector"]
        self.sent = Counter("hub_connector_sent_total", "Items acknowledged by the other side.", label,
                            registry=r).labels(connector)
        self.failed = Counter("hub_connector_failed_total", "Items given up on after every attempt.", label,
                              registry=r).labels(connector)
        self.retried = Counter("hub_connector_retried_total", "Items tried again after a failure.", label,
                               registry=r).labels(connector)
        self._invalid = Counter("hub_connector_invalid_total", "Items refused before sending, by reason code.",
                                ["connector", "reason"], registry=r)
        self.lag = Gauge("hub_connector_lag_items", "Items waiting to be sent.", label, registry=r).labels(connector)
        self.connector = connector

    def on_sent(self, count: int) -> None:
        """Count acknowledged items."""
        self.sent.inc(count)

    def on_failed(self, count: int) -> None:
        """Count items given up on."""
        self.failed.inc(count)

    def on_retried(self, count: int) -> None:
        """Count retried items."""
        self.retried.inc(count)

    def on_invalid(self, reason: str) -> None:
        """Count one refused item."""
        self._invalid.labels(self.connector, reason).inc()

    def on_lag(self, items: int) -> None:
        """Set the waiting items."""
        self.lag.set(items)

    def on_assigned(self, partitions: int) -> None:
        """Beat for the consumer's loop, ready while it holds partitions."""
        if self.health is not None:
            self.health.beat()
            self.health.set("consumer_assigned", partitions > 0)
