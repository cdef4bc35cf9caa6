"""An index of when time asks something of a record: term notices, expiries and purges (pure)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Due:
    """One deadline of one record at one version; tracking the record again voids it."""

    at_ms: int
    record_id: str
    kind: str
    version: int
    generation: int = 0


class DeadlineIndex:
    """A heap of deadlines with lazy removal: only the latest tracking of each record counts."""

    def __init__(self) -> None:
        """Start empty."""
        self.clear()

    def clear(self) -> None:
        """Forget every deadline."""
        self._heap: list[Due] = []
        self._version: dict[str, int] = {}
        self._generation: dict[str, int] = {}
        self._next_generation = 0

    def __len__(self) -> int:
        """Return how many records have a deadline."""
        return len(self._version)

    def track(self, record_id: str, version: int, due: list[tuple[int, str]]) -> None:
        """Replace a record's deadlines by those of its state at `version` (none: forget it)."""
        known = self._version.get(record_id)
        if known is not None and version < known:
            return
        if not due:
            if known is not None:
                self.forget(record_id)
            return
        self._next_generation += 1
        self._version[record_id] = version
        self._generation[record_id] = self._next_generation
        for at_ms, kind in due:
            heapq.heappush(self._heap, Due(at_ms, record_id, kind, version, self._next_generation))

    def forget(self, record_id: str) -> None:
        """Drop every deadline of a record (purged, or now owned by another worker)."""
        self._version.pop(record_id, None)
        self._generation.pop(record_id, None)

    def _current(self, due: Due) -> bool:
        return self._generation.get(due.record_id) == due.generation

    def pop_due(self, now_ms: int, limit: int = 10_000) -> list[Due]:
        """Remove and return up to `limit` current deadlines that have come by now_ms."""
        due: list[Due] = []
        while self._heap and self._heap[0].at_ms <= now_ms and len(due) < limit:
            item = heapq.heappop(self._heap)
            if self._current(item):
                due.append(item)
        if len(self._heap) > 4 * max(len(self._version), 1024):
            self._compact()
        return due

    def _compact(self) -> None:
        self._heap = [d for d in self._heap if self._current(d)]
        heapq.heapify(self._heap)
