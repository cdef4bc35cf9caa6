"""Metrics counted in plain Python numbers and turned into Prometheus families when scraped.

prometheus_client's own metrics take a lock for every increment and observation (about 1 µs
each, several times per event); the hub's hot paths count on one thread, so these keep plain
numbers and give the scraping thread a copy. They render as ordinary counters, gauges and
histograms.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString


class LabelledCounter(Collector):
    """A counter family by label values; `add` is called from one thread."""

    def __init__(self, name: str, documentation: str, labels: Iterable[str], registry: CollectorRegistry):
        """Register a counter called name (ending in _total) with the given label names."""
        self.name, self.documentation, self.labels = name, documentation, tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}
        registry.register(self)

    def add(self, labels: tuple[str, ...], amount: float = 1) -> None:
        """Add to the counter of one combination of label values."""
        values = self.values
        values[labels] = values.get(labels, 0) + amount

    def collect(self) -> Iterator[CounterMetricFamily]:
        """Return the family as it is now."""
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labels)
        for labels, value in dict(self.values).items():
            family.add_metric(labels, value)
        yield family


class LabelledGauge(Collector):
    """A gauge family by label values; changed from one thread."""

    def __init__(self, name: str, documentation: str, labels: Iterable[str], registry: CollectorRegistry):
        """Register a gauge called name with the given label names."""
        self.name, self.documentation, self.labels = name, documentation, tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}
        registry.register(self)

    def add(self, labels: tuple[str, ...], amount: float) -> None:
        """Move one gauge by amount."""
        values = self.values
        values[labels] = values.get(labels, 0) + amount

    def replace(self, values: dict[tuple[str, ...], float]) -> None:
        """Set every gauge anew; those not given are gone."""
        self.values = dict(values)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Return the family as it is now."""
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        for labels, value in dict(self.values).items():
            family.add_metric(labels, value)
        yield family


class PlainHistogram(Collector):
    """A histogram without labels; observed from one thread."""

    def __init__(self, name: str, documentation: str, buckets: Iterable[float], registry: CollectorRegistry):
        """Register a histogram called name (in base units) with the given upper bounds (+Inf is added)."""
        self.name, self.documentation = name, documentation
        self.bounds = tuple(sorted(float(b) for b in buckets))
        self.counts = [0] * (len(self.bounds) + 1)  # the last one: above every bound
        self.sum = 0.0
        registry.register(self)

    def observe(self, value: float) -> None:
        """Count one observation (a value on a bound falls in that bound's bucket, as Prometheus has it)."""
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def collect(self) -> Iterator[HistogramMetricFamily]:
        """Return the histogram as it is now, with cumulative buckets."""
        counts, total = list(self.counts), self.sum
        buckets, running = [], 0
        for bound, count in zip(self.bounds + (float("inf"),), counts):
            running += count
            buckets.append((floatToGoString(bound), running))
        family = HistogramMetricFamily(self.name, self.documentation)
        family.add_metric([], buckets, total)
        yield family
