"""Kafka's default partitioning of keys, so that batches stay co-partitioned with the register."""

from __future__ import annotations

import struct
from collections import defaultdict
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")

_M = 0x5BD1E995
_SEED = 0x9747B28C
_MASK = 0xFFFFFFFF


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


def group_by_partition(items: Iterable[T], key_of: Callable[[T], bytes], partitions: int) -> dict[int, list[T]]:
    """Return the items grouped by the partition of their key, each group in input order."""
    groups: dict[int, list[T]] = defaultdict(list)
    for item in items:
        groups[partition_for(key_of(item), partitions)].append(item)
    return dict(groups)
