"""A guard that every input partition is processed without a hole, from the group's committed offset.

Faust can hand the agent a message beyond one it never delivered (seen under the crash test:
after a restart, messages fetched around recovery were acknowledged unprocessed, and its
commit logic lets a one-message gap at the head through). Committing past such a hole loses
events. Offsets also skip for good reasons: a transactional producer's commit and abort markers,
its aborted records (read_committed does not deliver them), and records retention deleted
before the group read them. So a skip is looked at: when the skipped offsets hold no record a
read_committed consumer gets, processing goes on; otherwise the guard stops the worker, nothing
after the hole is acknowledged, and the next worker starts again from the last committed offset.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

CommittedFn = Callable[[str, int], Awaitable["int | None"]]
RecordsBetweenFn = Callable[[str, int, int, int], Awaitable[list[int]]]


class OffsetGap(Exception):
    """A message arrived beyond the next one expected on its partition, with records between never delivered."""


class OffsetGuard:
    """Remembers the next offset expected per partition; the first is the group's committed offset."""

    def __init__(self, committed: CommittedFn, records_between: RecordsBetweenFn | None = None):
        """Ask `committed(topic, partition)` for the group's committed offset (None: nothing committed), and
        `records_between(topic, partition, start, end)` for the offsets in a skip that hold records (without
        it, every skip is a hole)."""
        self._committed, self._records_between = committed, records_between
        self._next: dict[tuple[str, int], int] = {}
        self.skipped = 0  # offsets passed over that held nothing to process

    def reset(self) -> None:
        """Forget every partition (after a rebalance the committed offsets count again)."""
        self._next.clear()

    async def check(self, topic: str, partition: int, offset: int) -> None:
        """Accept the next message of a partition, or raise OffsetGap if a record before it was skipped."""
        key = (topic, partition)
        expected = self._next.get(key)
        if expected is None:
            expected = await self._committed(topic, partition)
        if expected is not None and offset > expected:
            await self._look_at_skip(topic, partition, expected, offset)
        self._next[key] = max(offset + 1, self._next.get(key, 0))

    async def _look_at_skip(self, topic: str, partition: int, expected: int, offset: int) -> None:
        held = await self._records_between(topic, partition, expected, offset) if self._records_between else None
        if held is None or held:
            first = f", the first at {held[0]}" if held else ""
            raise OffsetGap(f"{topic}[{partition}]: offset {offset} delivered, {expected} expected"
                            f"{f' ({len(held)} records between{first})' if held else ''}")
        self.skipped += offset - expected
        log.info("%s[%d]: offsets %d to %d hold no record to process (transaction markers, aborted records or "
                 "records deleted by retention)", topic, partition, expected, offset - 1)
