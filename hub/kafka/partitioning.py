"""Kafka's default partitioning of keys, so that batches stay co-partitioned with the register."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, TypeVar

from aiokafka.partitioner import murmur2

T = TypeVar("T")


def partition_for(key: bytes, partitions: int) -> int:
    """Return the partition Kafka's default partitioner gives a key (murmur2, positive, modulo)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def group_by_partition(items: Iterable[T], key_of, partitions: int) -> dict[int, list[T]]:
    """Return the items grouped by the partition of their key, each group in input order."""
    groups: dict[int, list[T]] = defaultdict(list)
    for item in items:
        groups[partition_for(key_of(item), partitions)].append(item)
    return dict(groups)
