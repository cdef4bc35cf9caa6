"""Plain-number metrics render exactly as prometheus_client's own counters, gauges and histograms."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.parser import text_string_to_metric_families

from hub.metrics.collectors import LabelledCounter, LabelledGauge, PlainHistogram
from hub.metrics.prometheus import PrometheusSensor

BOUNDS = (0.005, 0.1, 1, 10)
OBSERVED = [0.0, 0.005, 0.004, 0.2, 1, 3.5, 10, 11, 400]


def samples(registry: CollectorRegistry) -> set[tuple]:
    """Return every sample but the _created ones, as (name, labels, value)."""
    return {(s.name, tuple(sorted(s.labels.items())), s.value)
            for family in text_string_to_metric_families(generate_latest(registry).decode())
            for s in family.samples if not s.name.endswith("_created")}


def test_counters_gauges_and_histograms_render_as_prometheus_clients_own():
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    counter = LabelledCounter("hub_things_total", "Things.", ["kind"], ours)
    their_counter = Counter("hub_things_total", "Things.", ["kind"], registry=theirs)
    gauge = LabelledGauge("hub_level", "Level.", ["kind"], ours)
    their_gauge = Gauge("hub_level", "Level.", ["kind"], registry=theirs)
    histogram = PlainHistogram("hub_wait_seconds", "Wait.", BOUNDS, ours)
    their_histogram = Histogram("hub_wait_seconds", "Wait.", buckets=BOUNDS, registry=theirs)
    for kind, amount in (("a", 1), ("b", 2), ("a", 3)):
        counter.add((kind,), amount)
        their_counter.labels(kind).inc(amount)
        gauge.add((kind,), -amount)
        their_gauge.labels(kind).dec(amount)
    for value in OBSERVED:
        histogram.observe(value)
        their_histogram.observe(value)
    assert samples(ours) == samples(theirs)


def test_register_gauges_are_set_anew_after_a_recount():
    sensor = PrometheusSensor()
    sensor.on_register_change("WANTED_PERSON", None, "LIVE")
    sensor.on_register_change("STOLEN_VEHICLE", "LIVE", "REMOVED")
    sensor.on_register_size({("WANTED_PERSON", "LIVE"): 7})
    sensor.on_register_change("WANTED_PERSON", "LIVE", "REMOVED")
    found = {labels: value for name, labels, value in samples(sensor.registry) if name == "hub_register_records"}
    assert found == {(("record_type", "WANTED_PERSON"), ("status", "live")): 6,
                     (("record_type", "WANTED_PERSON"), ("status", "removed")): 1}
