"""A watch over a worker's input partitions: records waiting, yet neither processing nor commits moving.

A worker can sit idle with records to process on a partition it owns: a message Faust never hands
the agent (fetched around a rebalance and dropped as already read), or one never acknowledged, so
that Faust's commit waits behind it for good. Nothing else notices: the group keeps the partition
on the live worker. The watch tells which partitions have had records past the committed offset,
and the same processed and committed offsets, for a while: first to be read again from the
committed offset (a seek), then, at its limit, to stop the worker, whose successor reads them again
from there (application is idempotent either way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable


@dataclass(frozen=True)
class PartitionProgress:
    """Where a partition stands: the next offset processed here, the group's committed offset, its end."""

    processed: int
    committed: int
    end: int

    @property
    def waiting(self) -> bool:
        """Tell whether records may wait past the committed offset (markers and aborted records count too)."""
        return self.committed < self.end


class StallWatch:
    """Remembers since when each partition's progress has stood still with records waiting."""

    def __init__(self, limit_s: float, rewind_after_s: float | None = None) -> None:
        """Call a partition stalled once it stood still for `limit_s` seconds, and to be read again (once in
        each standstill) after `rewind_after_s` (a quarter of the limit unless told)."""
        self.limit_s = limit_s
        self.rewind_after_s = limit_s / 4 if rewind_after_s is None else rewind_after_s
        self._still_since: dict[Hashable, tuple[tuple[int, int], float]] = {}
        self._rewound: set[Hashable] = set()

    def reset(self) -> None:
        """Forget every partition (after a rebalance, or while the worker is not processing)."""
        self._still_since.clear()
        self._rewound.clear()

    def excuse(self, partition: Hashable, now_s: float) -> None:
        """Start a partition's count again (what waits turned out to be nothing to process)."""
        found = self._still_since.get(partition)
        if found is not None:
            self._still_since[partition] = (found[0], now_s)
        self._rewound.discard(partition)

    def observe(self, now_s: float, progress: dict[Hashable, PartitionProgress]) -> tuple[list, list]:
        """Take the progress of the partitions owned now; return those to read again from their committed offset
        (standing still for rewind_after_s, once a standstill) and those stalled (for limit_s or longer)."""
        for gone in set(self._still_since) - set(progress):
            del self._still_since[gone]
            self._rewound.discard(gone)
        rewind, stalled = [], []
        for partition, now in progress.items():
            mark = (now.processed, now.committed)
            found = self._still_since.get(partition)
            if not now.waiting or found is None or found[0] != mark:
                self._rewound.discard(partition)
                if now.waiting:
                    self._still_since[partition] = (mark, now_s)
                else:
                    self._still_since.pop(partition, None)
                continue
            if now_s - found[1] >= self.limit_s:
                stalled.append(partition)
            elif now_s - found[1] >= self.rewind_after_s and partition not in self._rewound:
                self._rewound.add(partition)
                rewind.append(partition)
        return rewind, stalled
