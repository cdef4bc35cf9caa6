"""A guard that every input partition is processed without a hole, from the group's committed offset.

Faust can hand the agent a message beyond one it never delivered (seen under the crash test:
after a restart, messages fetched around recovery were acknowledged unprocessed, and its
commit logic lets a one-message gap at the head through). Committing past such a hole loses
events. Offsets also skip for good reasons: a transactional producer's commit and abort markers,
its aborted records (read_committed does not deliver them), and records retention deleted
before the group read them. So a skip is looked at: when the skipped offsets hold no record a
read_committed consumer gets, processing goes on; otherwise nothing after the hole is processed or
acknowledged: the guard asks for the partition to be read again from the hole (a seek), skips what
arrives beyond it meanwhile, and, when rewinding keeps failing, stops the worker, whose successor
starts again from the last committed offset.
"""

from __future__ import annotations

import logging
import time
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

CommittedFn = Callable[[str, int], Awaitable["int | None"]]
RecordsBetweenFn = Callable[[str, int, int, int], Awaitable[list[int]]]
RewindFn = Callable[[str, int, int], Awaitable[None]]
REWIND_AGAIN_AFTER_S = 1.0  # messages fetched before a seek may still arrive for a moment after it
MAX_REWINDS = 20  # of one hole, before the worker stops


class OffsetGap(Exception):
    """A message arrived beyond the next one expected on its partition, with records between never delivered."""


class OffsetGuard:
    """Remembers the next offset expected per partition; the first is the group's committed offset."""

    def __init__(self, committed: CommittedFn, records_between: RecordsBetweenFn | None = None,
                 rewind: RewindFn | None = None, clock_s: Callable[[], float] = time.monotonic):
        """Ask `committed(topic, partition)` for the group's committed offset (None: nothing committed),
        `records_between(topic, partition, start, end)` for the offsets in a skip that hold records (without
        it, every skip is a hole), and `rewind(topic, partition, offset)` to read a partition again from a
        hole (without it, every hole raises OffsetGap)."""
        self._committed, self._records_between, self._rewind, self._clock_s = committed, records_between, rewind, clock_s
        self._next: dict[tuple[str, int], int] = {}
        self._rewinds: dict[tuple[str, int], tuple[int, float]] = {}  # count and time of the last, per hole
        self.skipped = 0  # offsets passed over that held nothing to process
        self.rewound = 0  # seeks back to a hole

    def reset(self) -> None:
        """Forget every partition (after a rebalance the committed offsets count again)."""
        self._next.clear()
        self._rewinds.clear()

    def expect(self, topic: str, partition: int, offset: int) -> None:
        """Expect a partition's next message at an offset (after it was sought there)."""
        self._next[(topic, partition)] = offset
        self._rewinds.pop((topic, partition), None)

    async def check(self, topic: str, partition: int, offset: int) -> bool:
        """Tell whether to process the next message of a partition: False for one beyond a hole being read
        again; OffsetGap for a hole that cannot be."""
        key = (topic, partition)
        expected = self._next.get(key)
        if expected is None:
            expected = await self._committed(topic, partition)
        if expected is not None and offset > expected:
            if key in self._rewinds:  # fetched before the seek, or the hole's record dropped again
                await self._rewind_again(key, expected)
                return False
            first_missing = await self._look_at_skip(topic, partition, expected, offset)
            if first_missing is not None:
                self._next[key] = first_missing
                await self._rewind_again(key, first_missing)
                return False
        if offset == expected:
            self._rewinds.pop(key, None)
        self._next[key] = max(offset + 1, self._next.get(key, 0))
        return True

    async def _rewind_again(self, key: tuple[str, int], missing: int) -> None:
        count, last_s = self._rewinds.get(key, (0, float("-inf")))
        now_s = self._clock_s()
        if now_s - last_s < REWIND_AGAIN_AFTER_S:
            return
        if count >= MAX_REWINDS:
            raise OffsetGap(f"{key[0]}[{key[1]}]: offset {missing} still not delivered after {count} seeks to it")
        self._rewinds[key] = (count + 1, now_s)
        self.rewound += 1
        await self._rewind(key[0], key[1], missing)

    async def _look_at_skip(self, topic: str, partition: int, expected: int, offset: int) -> int | None:
        """Return the first offset skipped that holds a record to process (None: the skip is fine)."""
        held = await self._records_between(topic, partition, expected, offset) if self._records_between else None
        if held is None or held:
            first = f", the first at {held[0]}" if held else ""
            gap = OffsetGap(f"{topic}[{partition}]: offset {offset} delivered, {expected} expected"
                            f"{f' ({len(held)} records between{first})' if held else ''}")
            if self._rewind is None:
                raise gap
            log.warning("%s; reading the partition again from the first", gap)
            return held[0] if held else expected
        self.skipped += offset - expected
        log.info("%s[%d]: offsets %d to %d hold no record to process (transaction markers, aborted records or "
                 "records deleted by retention)", topic, partition, expected, offset - 1)
        return None
