"""The register table: a Faust table whose writes reach its store only once their changelog is acknowledged.

Faust sends one changelog message per table write through its own buffer, task and future
(about 150 µs of CPU each, measured by `./deploy/bench aggregator --profile`). Here a write
is kept in memory and its changelog record is sent, when the input message is done, as one
aiokafka record batch to the same partition. Once the broker acknowledges the batch, its
records go into the table's store with their changelog offsets, as Faust's recovery would
write them. A local store (RocksDB) therefore never holds a state the register topic lacks,
and after a restart Faust reads the changelog only from the store's persisted offset.
Faust still owns the table, its changelog topic (the register topic) and its recovery.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterator, MutableMapping

from faust.types import TP

from hub.errors import CodecError

log = logging.getLogger(__name__)

Record = tuple[bytes, "bytes | None"]
Placed = tuple[bytes, "bytes | None", int]
PersistFn = Callable[[int, list[Placed]], None]
ReadFn = Callable[[int, bytes], "bytes | None"]


class BufferedTable(MutableMapping):
    """A mapping over a table's store: writes are read back at once, stored once acknowledged."""

    def __init__(self, store: MutableMapping[bytes, bytes], persist: PersistFn | None = None,
                 read: ReadFn | None = None):
        """Read `store` (a Faust table's `.data`, or a dict in tests), or `read(partition, key)` where given;
        `persist(partition, placed)` writes acknowledged changelog records (key, value or None, offset) into
        it (by default, plainly)."""
        self.store = store
        self._persist = persist or self._write_plainly
        self._read = read or (lambda partition, key: store.get(key))
        self._pending: list[Record] = []
        self._unacknowledged: dict[bytes, bytes | None] = {}

    def __getitem__(self, key: bytes) -> bytes:
        """Return the value of a key."""
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: bytes, default=None, partition: int | None = None):
        """Return the value of a key (the latest write, acknowledged or not), or default; partition, when
        known, is the one the key belongs to."""
        if key in self._unacknowledged:
            value = self._unacknowledged[key]
            return default if value is None else value
        value = self.store.get(key) if partition is None else self._read(partition, key)
        return default if value is None else value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        """Write a key and remember its changelog record."""
        self._unacknowledged[key] = value
        self._pending.append((key, value))

    def __delitem__(self, key: bytes) -> None:
        """Delete a key and remember its tombstone."""
        if self.get(key) is None:
            raise KeyError(key)
        self._unacknowledged[key] = None
        self._pending.append((key, None))

    def __iter__(self) -> Iterator[bytes]:
        """Iterate over the keys that have a value."""
        for key in self.store:
            if key not in self._unacknowledged:
                yield key
        yield from (key for key, value in self._unacknowledged.items() if value is not None)

    def __len__(self) -> int:
        """Return how many keys have a value."""
        return sum(1 for _ in self)

    def take_pending(self) -> list[Record]:
        """Return and forget the changelog records written since the last call."""
        pending, self._pending = self._pending, []
        return pending

    def acknowledged(self, partition: int, records: list[Record], base_offset: int) -> None:
        """Store changelog records the broker has acknowledged at consecutive offsets from base_offset."""
        placed = [(key, value, base_offset + index) for index, (key, value) in enumerate(records)]
        self._persist(partition, placed)
        for key, value, _ in placed:
            if key in self._unacknowledged and self._unacknowledged[key] is value:
                del self._unacknowledged[key]

    def forget_unacknowledged(self) -> None:
        """Drop writes not yet acknowledged (their partitions were revoked; the changelog holds the truth)."""
        self._unacknowledged.clear()
        self._pending.clear()

    def _write_plainly(self, partition: int, placed: list[Placed]) -> None:
        for key, value, _ in placed:
            if value is None:
                self.store.pop(key, None)
            else:
                self.store[key] = value


class ChangelogEntry:
    """A changelog record shaped as the event Faust's stores apply during recovery (a plain class: one is
    made for every register write)."""

    __slots__ = ("tp", "offset", "key", "value")

    def __init__(self, tp: TP, offset: int, key: bytes, value: bytes | None) -> None:
        """Hold one record of a changelog partition at its offset."""
        self.tp, self.offset, self.key, self.value = tp, offset, key, value

    @property
    def partition(self) -> int:
        """Return the changelog partition."""
        return self.tp.partition

    @property
    def message(self) -> "ChangelogEntry":
        """Return itself: Faust's stores read both `event.key` and `event.message.key`."""
        return self


def register_state(codec, record_id: str, value: bytes) -> dict | None:
    """Return the state a register message holds, or None (logged) if it cannot be read: readers of the
    register skip such a message rather than stop."""
    try:
        return codec.decode(value, expect="RegisterRecord").value
    except CodecError as exc:
        log.error("unreadable register record %s: %s", record_id, exc)
        return None


def faust_store_persister(store, changelog_topic: str) -> PersistFn:
    """Return a persist function that writes acknowledged records into a Faust store with their offsets,
    through the store's own recovery path (a RocksDB store also records the persisted offset)."""
    def same(value):
        return value

    def persist(partition: int, placed: list[Placed]) -> None:
        tp = TP(changelog_topic, partition)
        store.apply_changelog_batch([ChangelogEntry(tp, offset, key, value) for key, value, offset in placed],
                                    to_key=same, to_value=same)
    return persist


def faust_store_reader(store) -> ReadFn:
    """Return a read function over a Faust store: a RocksDB store is read from the partition's database
    straight away (Faust's own lookup serializes the key, finds the current event and keeps a key index:
    several times the read itself, for every event), any other store as a mapping."""
    databases = getattr(store, "_db_for_partition", None)
    if databases is None:
        return lambda partition, key: store.get(key)
    return lambda partition, key: databases(partition).get(key)
