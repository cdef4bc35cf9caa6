"""Kafka's default partitioning of keys, so that batches stay co-partitioned with the register."""

from __future__ import annotations

import struct
from collections import defaultdict
from typing import Any, Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")

_M = 0x5BD1E995
_SEED = 0x9747B28C
_MASK = 0xFFFFFFFF
SMALL_BATCH = 64  # below this many keys, numpy's set-up costs more than it saves


def murmur2(data: bytes) -> int:
    """Return Kafka's MurmurHash2 of data (the Java client's Utils.murmur2), as an unsigned 32-bit int."""
    length = len(data)
    h = (_SEED ^ length) & _MASK
    words = length // 4
    for k in struct.unpack_from(f"<{words}I", data):
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = data[words * 4:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h ^= tail[0]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


def partition_for(key: bytes, partitions: int) -> int:
    """Return the partition Kafka's default partitioner gives a key (murmur2, positive, modulo)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def partitions_for(keys: Sequence[bytes], partitions: int) -> list[int]:
    """Return partition_for() of many keys at once: murmur2 in numpy, keys of a length together (about ten
    times quicker than one by one from a few hundred keys on), or one by one where numpy is not installed."""
    np = _numpy() if len(keys) >= SMALL_BATCH else None
    if np is None:
        return [partition_for(key, partitions) for key in keys]
    hashes = np.empty(len(keys), dtype=np.uint64)
    by_length: dict[int, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        by_length[len(key)].append(index)
    for length, indexes in by_length.items():
        rows = np.frombuffer(b"".join(keys[i] for i in indexes), dtype=np.uint8).reshape(len(indexes), length)
        hashes[indexes] = _murmur2_rows(np, rows, length)
    return ((hashes & np.uint64(0x7FFFFFFF)) % np.uint64(partitions)).tolist()


def _numpy() -> Any:
    """Return numpy, imported on first need, or None where it is not installed (the light client)."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _murmur2_rows(np: Any, rows: Any, length: int) -> Any:
    m, mask = np.uint64(_M), np.uint64(_MASK)
    h = np.full(len(rows), (_SEED ^ length) & _MASK, dtype=np.uint64)
    words = length // 4
    if words:
        ks = np.ascontiguousarray(rows[:, :words * 4]).view("<u4").astype(np.uint64)
        for j in range(words):  # products stay below 2**63: 32-bit values times a 31-bit constant
            k = (ks[:, j] * m) & mask
            k ^= k >> np.uint64(24)
            k = (k * m) & mask
            h = ((h * m) & mask) ^ k
    tail = rows[:, words * 4:].astype(np.uint64)
    if tail.shape[1] == 3:
        h ^= tail[:, 2] << np.uint64(16)
    if tail.shape[1] >= 2:
        h ^= tail[:, 1] << np.uint64(8)
    if tail.shape[1]:
        h ^= tail[:, 0]
        h = (h * m) & mask
    h ^= h >> np.uint64(13)
    h = (h * m) & mask
    return h ^ (h >> np.uint64(15))


def group_by_partition(items: Iterable[T], key_of: Callable[[T], bytes], partitions: int) -> dict[int, list[T]]:
    """Return the items grouped by the partition of their key, each group in input order."""
    groups: dict[int, list[T]] = defaultdict(list)
    for item in items:
        groups[partition_for(key_of(item), partitions)].append(item)
    return dict(groups)
