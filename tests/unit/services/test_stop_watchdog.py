"""A worker whose stop hangs ends its process, so that its supervisor starts it again (no broker)."""

from __future__ import annotations

import threading
import time

from hub.services.app import EXIT_STOP_HUNG, HubWorker, start_stop_watchdog


def test_a_stop_that_hangs_ends_the_process_with_its_own_status() -> None:
    ended = threading.Event()
    codes = []
    start_stop_watchdog(0.05, lambda code: (codes.append(code), ended.set()))
    assert ended.wait(5) and codes == [EXIT_STOP_HUNG]


def test_a_stop_in_time_is_left_alone() -> None:
    codes = []
    watchdog = start_stop_watchdog(60.0, codes.append)
    assert watchdog.daemon  # it never keeps a process that has stopped
    watchdog.cancel()
    time.sleep(0.05)
    assert codes == []


def test_the_worker_starts_the_watchdog_when_it_stops() -> None:
    assert "start_stop_watchdog" in HubWorker.stop.__code__.co_names
