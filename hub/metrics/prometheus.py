"""Prometheus implementation of the sensor hooks, named by the Prometheus conventions."""

from __future__ import annotations

import gc
import logging

from prometheus_client import CollectorRegistry, Counter, Gauge

from hub.health import Health
from hub.metrics.collectors import LabelledCounter, LabelledGauge, PlainHistogram
from hub.metrics.endpoints import serve_endpoints
from hub.sensors import Sensor

CHECK_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class PrometheusSensor(Sensor):
    """Counts what the services report into a Prometheus registry."""

    def __init__(self, registry: CollectorRegistry | None = None, health: Health | None = None):
        """Create the metrics in a registry (a new one unless given); readiness hooks also set `health`."""
        self.registry = registry or CollectorRegistry()
        self.health = health
        r = self.registry
        # Counted on every event: plain numbers, rendered when scraped (collectors.py).
        self.events = LabelledCounter("hub_events_total", "Regional events handled, by region, action and outcome.",
                                      ["region", "action", "outcome"], r)
        self.rejections = LabelledCounter("hub_rejections_total", "Inputs refused, by reason code.", ["reason"], r)
        self.latency = PlainHistogram("hub_event_apply_latency_seconds",
                                      "Time from an event's occurrence to its application.", LATENCY_BUCKETS_S, r)
        self.register = LabelledGauge("hub_register_records", "Records in the central register, by type and status.",
                                      ["record_type", "status"], r)
        self.lag = Gauge("hub_consumer_lag_messages", "Messages not yet consumed, by topic.",
                         ["topic"], registry=r)
        self.batches = PlainHistogram("hub_batch_events", "Events per processed batch.",
                                      (1, 10, 50, 100, 250, 500, 1000, 2500, 5000), r)
        self.checks = LabelledCounter("hub_checks_total", "Checks answered, by outcome.", ["outcome"], r)
        self.checks_refused = LabelledCounter("hub_checks_refused_total", "Checks refused, by reason code.",
                                              ["reason"], r)
        self.check_latency = PlainHistogram("hub_check_latency_seconds",
                                            "Time from the broker taking a check's request to its answer.",
                                            CHECK_BUCKETS_S, r)
        self.index_records = Gauge("hub_match_index_records", "Live records in the match index.", registry=r)
        self.index_left_out = Counter("hub_match_index_left_out", "Register records the matcher could not index "
                                      "(a defect in the record) and left out.", registry=r)
        self.index_ready = Gauge("hub_match_index_ready_seconds", "Time the match index took at start to catch up "
                                 "with the register (built from it, or restored from a snapshot and brought up to "
                                 "date).", registry=r)
        self.frozen = Gauge("hub_gc_frozen_objects", "Objects moved out of the garbage collector's sight (the "
                            "service's long-lived state); a rise that never levels off is garbage kept in cycles.",
                            registry=r)
        self.frozen.set_function(gc.get_freeze_count)
        self._lag_by_partition: dict[tuple[str, int], int] = {}

    def on_event(self, region: str, action: str, outcome: str) -> None:
        """Count one handled event."""
        self.events.add((region, action, outcome))

    def on_rejection(self, reason: str) -> None:
        """Count one refusal."""
        self.rejections.add((reason,))

    def on_applied_latency(self, seconds: float) -> None:
        """Observe one event's latency."""
        self.latency.observe(max(0.0, seconds))

    def on_register_change(self, record_type: str, old_status: str | None, new_status: str | None) -> None:
        """Move one record between status gauges."""
        if old_status:
            self.register.add((record_type, old_status.lower()), -1)
        if new_status:
            self.register.add((record_type, new_status.lower()), 1)

    def on_register_size(self, counts: dict[tuple[str, str], int]) -> None:
        """Set every register gauge to a fresh count, zeroing those no longer present."""
        self.register.replace({(record_type, status.lower()): count for (record_type, status), count in counts.items()})

    def on_lag(self, topic: str, partition: int, lag: int) -> None:
        """Record one partition's lag and publish the topic's sum."""
        self._lag_by_partition[(topic, partition)] = lag
        self.lag.labels(topic).set(sum(v for (t, _), v in self._lag_by_partition.items() if t == topic))

    def on_batch(self, size: int) -> None:
        """Observe one batch's size."""
        self.batches.observe(size)

    def on_check(self, outcome: str, seconds: float) -> None:
        """Count one answered check and observe its latency."""
        self.checks.add((outcome,))
        self.check_latency.observe(max(0.0, seconds))

    def on_check_refused(self, reason: str) -> None:
        """Count one refused check."""
        self.checks_refused.add((reason,))

    def on_index_size(self, records: int) -> None:
        """Set the match index's size."""
        self.index_records.set(records)

    def on_index_left_out(self, records: int) -> None:
        """Count records left out of the match index."""
        self.index_left_out.inc(records)

    def on_index_ready(self, seconds: float) -> None:
        """Set how long the match index took to catch up at start (the matcher is ready then)."""
        self.index_ready.set(seconds)
        if self.health is not None:
            self.health.set("match_index")


def serve_metrics(sensor: PrometheusSensor, host: str, port: int, health: Health | None = None) -> int:
    """Serve /metrics of the sensor's registry, with /healthz and /readyz, on host:port in a thread; return
    the bound port."""
    return serve_registry(sensor.registry, host, port, health)


CONNECTOR_METRICS_PORTS = {"outbox_relay": 9465, "importer": 9466, "webhook_sink": 9470, "email_sink": 9471,
                           "postgres_sink": 9472, "demo_client": 9473}  # the hub's services use 9464, 9467 and 9468


def serve_connector_metrics(registry: CollectorRegistry, settings, connector: str, health: Health | None = None) -> int:
    """Serve a connector's /metrics on HUB_METRICS_PORT when given, else on the connector's own default port
    (a free one if that is taken), so that it never collides with the hub's; print where; return the port."""
    port = settings.metrics_port if "metrics_port" in settings.model_fields_set else CONNECTOR_METRICS_PORTS[connector]
    try:
        bound = serve_registry(registry, settings.metrics_host, port, health)
    except OSError:
        if "metrics_port" in settings.model_fields_set:
            raise
        bound = serve_registry(registry, settings.metrics_host, 0, health)
    logging.getLogger("hub").info("%s metrics at http://%s:%d/metrics", connector, settings.metrics_host, bound)
    return bound


def serve_registry(registry: CollectorRegistry, host: str, port: int, health: Health | None = None) -> int:
    """Serve /metrics of a registry, with /healthz and /readyz, on host:port in a thread; return the bound port."""
    return serve_endpoints(registry, host, port, health)
