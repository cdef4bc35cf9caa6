"""The frozen objects gauge says how many objects every service has moved out of the collector's sight."""

from __future__ import annotations

import gc

from hub.metrics.prometheus import PrometheusSensor


def test_the_gauge_reads_the_collectors_frozen_count_when_scraped() -> None:
    sensor = PrometheusSensor()
    before = sensor.registry.get_sample_value("hub_gc_frozen_objects")
    kept = [[n] for n in range(1_000)]
    gc.freeze()
    try:
        after = sensor.registry.get_sample_value("hub_gc_frozen_objects")
        assert after == gc.get_freeze_count() and after >= before + len(kept)
    finally:
        gc.unfreeze()
