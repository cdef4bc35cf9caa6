"""What a service's /healthz and /readyz answer: its event loop beating, and its readiness conditions."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable

STALE_AFTER_S = 120.0  # a loop that has not beaten for this long is stuck (restoring a large snapshot blocks it)


class Health:
    """A service's liveness (the heartbeat of its event loop) and readiness (named conditions, each true or not)."""

    def __init__(self, stale_after_s: float = STALE_AFTER_S, clock: Callable[[], float] = time.monotonic):
        """Start alive (the loop has not begun to beat yet) and with no readiness condition."""
        self.stale_after_s, self.clock = stale_after_s, clock
        self.last_beat_s = clock()
        self._lock = threading.Lock()
        self._conditions: dict[str, Callable[[], bool]] = {}
        self._states: dict[str, bool] = {}

    def beat(self) -> None:
        """Note that the service's event loop ran just now."""
        self.last_beat_s = self.clock()

    def expect(self, name: str) -> None:
        """Add a readiness condition that is false until set()."""
        with self._lock:
            self._states.setdefault(name, False)

    def set(self, name: str, ok: bool = True) -> None:
        """Set a readiness condition's state."""
        with self._lock:
            self._states[name] = ok

    def require(self, name: str, check: Callable[[], bool]) -> None:
        """Add a readiness condition asked of `check` at each refresh (false until the first)."""
        with self._lock:
            self._conditions[name] = check
            self._states.setdefault(name, False)

    def refresh(self) -> None:
        """Ask every required condition again: called on the service's event loop (the heartbeat), never on
        the probe's thread, since the conditions read state the loop owns."""
        with self._lock:
            conditions = dict(self._conditions)
        for name, check in conditions.items():
            try:
                ok = bool(check())
            except Exception:  # a probe must answer, whatever the condition's source is doing
                ok = False
            self.set(name, ok)

    def alive(self) -> tuple[bool, str]:
        """Return whether the loop beat within stale_after_s, and a sentence saying when it last did."""
        since_s = self.clock() - self.last_beat_s
        if since_s > self.stale_after_s:
            return False, f"the event loop has not run for {since_s:.0f} s"
        return True, f"the event loop ran {since_s:.1f} s ago"

    def ready(self) -> tuple[bool, dict[str, bool]]:
        """Return whether the service is alive and every condition holds, with each condition's state."""
        with self._lock:
            states = dict(self._states)
        alive, _ = self.alive()
        states["alive"] = alive
        return all(states.values()), states


async def heartbeat(health: Health, interval_s: float = 1.0) -> None:
    """Beat for the service's event loop, and ask its readiness conditions, until cancelled."""
    while True:
        health.beat()
        health.refresh()
        await asyncio.sleep(interval_s)


async def watch_for_stuck(stuck: Callable[[], bool], limit_s: float, on_stuck: Callable[[float], None],
                          interval_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
    """Call on_stuck (with how long) once `stuck` has held for limit_s without a break, then return."""
    since_s: float | None = None
    while True:
        if not stuck():
            since_s = None
        else:
            since_s = clock() if since_s is None else since_s
            if clock() - since_s >= limit_s:
                on_stuck(clock() - since_s)
                return
        await asyncio.sleep(interval_s)
