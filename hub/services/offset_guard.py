"""A guard that every input partition is processed without a hole, from the group's committed offset.

Faust can hand the agent a message beyond one it never delivered (seen under the crash test:
after a restart, messages fetched around recovery were acknowledged unprocessed, and its
commit logic lets a one-message gap at the head through). Committing past such a hole loses
events. The guard stops the worker instead: nothing after the hole is acknowledged, so the
next worker starts again from the last committed offset.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

CommittedFn = Callable[[str, int], Awaitable["int | None"]]


class OffsetGap(Exception):
    """A message arrived beyond the next one expected on its partition."""


class OffsetGuard:
    """Remembers the next offset expected per partition; the first is the group's committed offset."""

    def __init__(self, committed: CommittedFn):
        """Ask `committed(topic, partition)` for the group's committed offset (None: nothing committed)."""
        self._committed = committed
        self._next: dict[tuple[str, int], int] = {}

    def reset(self) -> None:
        """Forget every partition (after a rebalance the committed offsets count again)."""
        self._next.clear()

    async def check(self, topic: str, partition: int, offset: int) -> None:
        """Accept the next message of a partition, or raise OffsetGap if one before it was skipped."""
        key = (topic, partition)
        expected = self._next.get(key)
        if expected is None:
            expected = await self._committed(topic, partition)
        if expected is not None and offset > expected:
            raise OffsetGap(f"{topic}[{partition}]: offset {offset} delivered, {expected} expected")
        self._next[key] = max(offset + 1, self._next.get(key, 0))
