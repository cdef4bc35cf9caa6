"""Kafka's default partitioning: murmur2 as the Java client computes it, one key at a time and in bulk."""

from __future__ import annotations

import random

from hub.kafka import partitioning
from hub.kafka.partitioning import murmur2, partition_for, partitions_for

# Kafka's own test vectors (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java), signed.
JAVA_MURMUR2 = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536,
                b"a-little-bit-longer-string": -1486304829,
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971, b"abc": 479470107}


def test_murmur2_matches_the_java_client():
    assert {key: murmur2(key) - (1 << 32) * (murmur2(key) >> 31) for key in JAVA_MURMUR2} == JAVA_MURMUR2


def test_bulk_partitions_equal_one_by_one_for_keys_of_every_length():
    rng = random.Random(5)
    keys = [bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40))) for _ in range(3000)]
    keys += [f"KZ-75-WANTED_PERSON-{n:09d}".encode() for n in range(1000)] + list(JAVA_MURMUR2)
    assert partitions_for(keys, 12) == [partition_for(key, 12) for key in keys]
    assert partitions_for(keys[:10], 7) == [partition_for(key, 7) for key in keys[:10]]


def test_without_numpy_many_keys_are_hashed_one_by_one_alike(monkeypatch):
    keys = [f"KZ-{n % 20}-WANTED_PERSON-{n:0{n % 9 + 1}d}".encode() for n in range(1_000)]
    with_numpy = partitioning.partitions_for(keys, 12)
    monkeypatch.setattr(partitioning, "_numpy", lambda: None)  # the light client's environment
    assert partitioning.partitions_for(keys, 12) == with_numpy == [partitioning.partition_for(k, 12) for k in keys]
