"""Postings for an index of millions: the record ordinals under each 32-bit key, as one sorted numpy array
of key << 32 | ordinal, with chunks added in bulk and a small multimap of single additions (pure).

Adding to a sorted array one posting at a time would copy it each time, and a dict of millions of keys
takes a hundred bytes and more per posting; the array takes eight. So the postings of a build arrive in
chunks, appended as they are and sorted once by `seal`; those of the records that come one at a time
after it wait in a multimap (multimap.py) until the next seal. Ordinals of records that have gone stay
where they are until a seal drops them: readers filter them out.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from hub.domain.matching.multimap import add_member, members_of

_SHIFT, _LOW = np.uint64(32), np.uint64(0xFFFF_FFFF)
MAX_KEY = 0xFFFF_FFFF
MAX_ORDINAL = 0xFFFF_FFFE  # below the low half's all-ones, so that key << 32 | 0xFFFFFFFF ends a key's range


class Postings:
    """Ordinals under 32-bit keys (ids of blocks or of exact keys): sorted, bulk chunks and single additions."""

    def __init__(self, packed: np.ndarray | None = None, single: dict | None = None) -> None:
        """Start with a sorted array of key << 32 | ordinal and a multimap of single additions (default: none)."""
        self._packed = packed if packed is not None else np.empty(0, np.uint64)
        self._chunks: list[np.ndarray] = []
        self._single: dict[int, int | tuple[int, ...] | set[int]] = single if single is not None else {}
        self._singles = sum(len(members_of(self._single, key)) for key in self._single)

    @property
    def unsorted(self) -> int:
        """Return how many postings wait for the next seal (bulk chunks and single additions, counted as
        added)."""
        return sum(len(chunk) for chunk in self._chunks) + self._singles

    @property
    def has_chunks(self) -> bool:
        """Tell whether chunks added in bulk wait for a seal (they are not found until then)."""
        return bool(self._chunks)

    def add(self, key: int, ordinal: int) -> None:
        """Add one posting; it is found at once."""
        add_member(self._single, key, ordinal)
        self._singles += 1

    def add_many(self, keys: np.ndarray, ordinals: np.ndarray) -> None:
        """Add a chunk of postings (equal-length arrays of keys and ordinals); found only after `seal`."""
        if len(keys):
            self._chunks.append(keys.astype(np.uint64) << _SHIFT | ordinals.astype(np.uint64))

    def ordinals(self, keys: Iterable[int]) -> list[int]:
        """Return the ordinals under any of keys (sorted and single; those of gone records included)."""
        keys = sorted(set(keys))
        found: list[int] = []
        packed = self._packed
        if keys and len(packed):
            # Each key's start and end, in increasing order: numpy's binary search then goes on from where the
            # one before it ended, in memory near it, rather than from the whole array each time.
            wanted = np.array(keys, np.uint64) << _SHIFT
            needles = np.empty(2 * len(keys), np.uint64)
            needles[0::2], needles[1::2] = wanted, wanted | _LOW
            bounds = np.searchsorted(packed, needles).tolist()
            for start, end in zip(bounds[0::2], bounds[1::2]):
                if end > start:
                    found += (packed[start:end] & _LOW).tolist()
        if self._single:
            for key in keys:
                found += members_of(self._single, key)
        return found

    def seal(self, alive: np.ndarray, renumbered: np.ndarray | None = None) -> None:
        """Sort the chunks and single additions in with the rest, dropping the postings of ordinals not alive
        (a bool per ordinal); with renumbered (the new ordinal of each old one), store the new ordinals."""
        parts = [self._packed, *self._chunks]
        if self._single:
            parts.append(np.fromiter((key << 32 | ordinal for key in self._single
                                      for ordinal in members_of(self._single, key)), np.uint64))
        packed = np.concatenate(parts)
        ordinals = (packed & _LOW).astype(np.intp)
        keep = alive[ordinals]
        packed, ordinals = packed[keep], ordinals[keep]
        if renumbered is not None:
            packed = (packed & ~_LOW) | renumbered[ordinals].astype(np.uint64)
        packed.sort()
        self._packed, self._chunks, self._single, self._singles = packed, [], {}, 0

    def export(self) -> tuple[bytes, dict]:
        """Return the postings as bytes and a plain dict (what `marshal` stores); chunks must be sealed first."""
        if self._chunks:
            raise ValueError("postings added in bulk are exported only once sealed")
        return self._packed.tobytes(), self._single

    @classmethod
    def restore(cls, plain: tuple[bytes, dict]) -> "Postings":
        """Return the postings that `export` gave plain of (the array reads the bytes in place)."""
        packed, single = plain
        return cls(np.frombuffer(packed, np.uint64), single)
