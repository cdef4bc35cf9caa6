"""The register table: a Faust table written through its store, its changelog sent in record batches.

Faust sends one changelog message per table write through its own buffer, task and future
(about 150 µs of CPU each, measured by `./deploy/bench aggregator --profile`). Here a write
goes to the table's store at once and its changelog record is kept until the input message
is done, then sent to the same partition as one aiokafka record batch. Faust still owns the
table, its changelog topic (the register topic) and its recovery.
"""

from __future__ import annotations

from typing import Iterator, MutableMapping


class BufferedTable(MutableMapping):
    """A mapping over a table's store that remembers the changelog records of its writes."""

    def __init__(self, store: MutableMapping[bytes, bytes]):
        """Read and write `store` (a Faust table's `.data`, or a dict in tests)."""
        self.store = store
        self._pending: list[tuple[bytes, bytes | None]] = []

    def __getitem__(self, key: bytes) -> bytes:
        """Return the value of a key."""
        return self.store[key]

    def get(self, key: bytes, default=None):
        """Return the value of a key, or default."""
        try:
            return self.store[key]
        except KeyError:
            return default

    def __setitem__(self, key: bytes, value: bytes) -> None:
        """Write a key and remember its changelog record."""
        self.store[key] = value
        self._pending.append((key, value))

    def __delitem__(self, key: bytes) -> None:
        """Delete a key and remember its tombstone."""
        del self.store[key]
        self._pending.append((key, None))

    def __iter__(self) -> Iterator[bytes]:
        """Iterate over the keys."""
        return iter(self.store)

    def __len__(self) -> int:
        """Return how many keys there are."""
        return len(self.store)

    def take_pending(self) -> list[tuple[bytes, bytes | None]]:
        """Return and forget the changelog records written since the last call."""
        pending, self._pending = self._pending, []
        return pending
