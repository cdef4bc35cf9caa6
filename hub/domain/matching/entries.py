"""What the match index keeps of a register record, worked out apart from the index so that other processes
can work it out for a build, and batches of it as plain columns to send between processes (pure)."""

from __future__ import annotations

import marshal
import zlib
from array import array
from typing import Any, NamedTuple

from hub.domain.matching.blocks import indexed_block_ids
from hub.domain.matching.frequencies import name_tokens
from hub.domain.matching.keys import Key, document_keys
from hub.domain.matching.persons import PersonFacts

MARSHAL_VERSION = 4
crc32 = zlib.crc32  # the one hash key ids are taken with


class IndexEntry(NamedTuple):
    """A live record as the index keeps it: its id, a person's facts (marshalled), its key and block ids, and
    the tokens its person's names are counted under (frequencies.py)."""

    record_id: str
    facts: bytes | None
    keys: list[int]
    blocks: list[int] | set[int]
    names: list[str] | tuple[str, ...] = ()


def exact_key(key: Key) -> str:
    """Return an exact key as one string."""
    return f"{key[0]}:{key[1]}"


def key_id(key: Key) -> int:
    """Return the 32-bit id an exact key is kept under, the same in every process (a CRC-32: two keys that
    share one only widen the candidates, which the index checks against the record's own keys)."""
    return crc32(exact_key(key).encode())


def index_entry(state: dict[str, Any]) -> IndexEntry | None:
    """Return what the index keeps of a register record's state (a RegisterRecord value, or a view of it),
    or None when the record is not live."""
    if state["status"] != "LIVE":
        return None
    document = state.get("document")
    keys = [key_id(key) for key in document_keys(document)]
    if len(keys) > 1:
        keys = list(dict.fromkeys(keys))  # a number held twice counts once
    if state["object_kind"] == "PERSON" and document:
        facts = PersonFacts.of(document)
        return IndexEntry(state["record_id"], marshal.dumps(tuple(facts), MARSHAL_VERSION), keys,
                          indexed_block_ids(facts), name_tokens(facts.surname, facts.given_name, facts.patronymic))
    return IndexEntry(state["record_id"], None, keys, ())


def facts_of(marshalled: bytes) -> PersonFacts:
    """Return the PersonFacts an entry keeps marshalled."""
    return PersonFacts._make(marshal.loads(marshalled))


class EntryBatch:
    """Entries in columns: the key and block ids of all entries one after the other, with how many each
    entry has; `removed` names records to forget before these are added, `enrolled` new enrolments."""

    def __init__(self) -> None:
        """Start empty."""
        self.record_ids: list[str] = []
        self.payloads: list[Any] = []
        self.facts: list[bytes | None] = []
        self.keys, self.key_counts = array("I"), array("I")
        self.blocks, self.block_counts = array("I"), array("I")
        self.enrolled: list[str] = []
        self.removed: list[str] = []
        self.left_out: list[str] = []  # records that could not be indexed (also in `removed`)
        self.name_counts: dict[str, int] = {}  # tokens of the entries' names (frequencies.py) -> entries
        self.persons = 0  # entries with a person's facts

    def __len__(self) -> int:
        """Return how many entries the batch adds."""
        return len(self.record_ids)

    def add(self, entry: IndexEntry, payload: Any, enrolled: bool) -> None:
        """Add an entry, kept as payload (its message's bytes)."""
        self.record_ids.append(entry.record_id)
        self.payloads.append(payload)
        self.facts.append(entry.facts)
        self.keys.extend(entry.keys)
        self.key_counts.append(len(entry.keys))
        self.blocks.extend(entry.blocks)
        self.block_counts.append(len(entry.blocks))
        if enrolled:
            self.enrolled.append(entry.record_id)
        if entry.facts is not None:
            self.persons += 1
            counts = self.name_counts
            for token in entry.names:
                counts[token] = counts.get(token, 0) + 1

    def plain(self) -> tuple:
        """Return the batch as lists, strings and bytes (what `marshal` sends), for `from_plain`."""
        return (self.record_ids, self.payloads, self.facts, self.keys.tobytes(), self.key_counts.tobytes(),
                self.blocks.tobytes(), self.block_counts.tobytes(), self.enrolled, self.removed, self.left_out,
                self.name_counts, self.persons)

    @classmethod
    def from_plain(cls, plain: tuple) -> "EntryBatch":
        """Return the batch that `plain` gave."""
        batch = cls()
        (batch.record_ids, batch.payloads, batch.facts, keys, key_counts, blocks, block_counts, batch.enrolled,
         batch.removed, batch.left_out, batch.name_counts, batch.persons) = plain
        for column, raw in ((batch.keys, keys), (batch.key_counts, key_counts), (batch.blocks, blocks),
                            (batch.block_counts, block_counts)):
            column.frombytes(raw)
        return batch


class Batcher:
    """Turns register messages, read in order, into batches that the index applies in order: a record removed
    is named in its batch's `removed` (whether or not an earlier batch holds it), a record met again in
    the same batch closes the batch first (the index forgets a record's earlier entry when a later batch
    brings it again)."""

    def __init__(self, max_entries: int) -> None:
        """Take a batch once it holds max_entries."""
        self.max_entries = max_entries
        self.batch = EntryBatch()
        self._in_batch: set[str] = set()

    def add(self, record_id: str, payload: Any, entry: IndexEntry | None, enrolled: bool = False,
            left_out: bool = False) -> list[EntryBatch]:
        """Add a register message's entry (None: the record is removed or purged, or left out as defective);
        return the batches that are full."""
        full = [self.take()] if record_id in self._in_batch else []
        if entry is None:
            self.batch.removed.append(record_id)
            if left_out:
                self.batch.left_out.append(record_id)
            return full
        self.batch.add(entry, payload, enrolled)
        self._in_batch.add(record_id)
        if len(self.batch) >= self.max_entries:
            full.append(self.take())
        return full

    def take(self) -> EntryBatch:
        """Return the batch so far and start the next."""
        batch, self.batch = self.batch, EntryBatch()
        self._in_batch = set()
        return batch
