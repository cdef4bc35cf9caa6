"""The heap settings of long-running services: survivors leave the collector's sight, young garbage does not."""

from __future__ import annotations

import gc
import weakref

import pytest

from hub.heap import freeze_survivors, settle_heap


class Node:
    """An object that can sit in a reference cycle and be watched by a weak reference."""

    def __init__(self) -> None:
        self.other: "Node | None" = None


@pytest.fixture(autouse=True)
def restored_collector():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_freeze_survivors_collects_young_cycles_and_freezes_the_living() -> None:
    garbage, kept = Node(), Node()
    garbage.other, garbage_ref = garbage, weakref.ref(garbage)
    kept.other = kept
    del garbage
    frozen_before = gc.get_freeze_count()
    freeze_survivors()
    assert garbage_ref() is None  # a cycle made garbage before the freeze is not kept for ever
    assert gc.get_freeze_count() > frozen_before
    assert not any(obj is kept for obj in gc.get_objects())  # out of the collector's sight
    assert kept.other is kept


def test_settle_heap_freezes_and_collects_the_young_rarely() -> None:
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (50_000, 20, 100)
