"""The match index: live register records by exact identifier and, for persons, by blocks of name and
birth date; it follows enrolments, corrections, removals and purges (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from hub.domain.matching.addresses import address_key
from hub.domain.matching.blocks import query_block_ids
from hub.domain.matching.entries import (
    EntryBatch,
    IndexEntry,
    facts_of,
    index_entry,
    key_id,
)
from hub.domain.matching.frequencies import NameFrequencies, count_tokens, name_tokens
from hub.domain.matching.keys import Key, document_keys, subject_keys
from hub.domain.matching.model import PersonModel
from hub.domain.matching.persons import Evidence, PersonFacts, match_person, weigh_address
from hub.domain.matching.postings import MAX_ORDINAL, Postings
from hub.domain.matching.rivals import Scored, rivals_floor_bits, settle

# Unsorted postings (single additions) and gone records are let grow to this share of the records (and at
# least to the minimum) before a seal sorts and drops them.
SEAL_MIN = 100_000
SEAL_UNSORTED_SHARE, SEAL_GONE_SHARE = 1 / 8, 1 / 4
FIELD_OF_KEY = {"IIN": "iin", "DOC": "document_number", "VIN": "vin", "PLATE": "plate", "IMEI": "imei",
                "SERIAL": "serial", "FACT": "registration_number"}


@dataclass(frozen=True)
class Match:
    """A record that answers a check: HIT or POSSIBLE_HIT, its score, the fields that matched and, for a
    person, each part's evidence."""

    record_id: str
    outcome: str
    score: float
    matched: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()


class MatchIndex:
    """Live records of the central register, findable by exact keys and person blocks.

    Each record put gets the next ordinal, under which the index keeps its payload (its encoded bytes,
    say, turned back into a state by `decode` only when it answers a check) and a person's facts,
    marshalled; its exact keys and blocks are kept as 32-bit ids in postings of ordinals (postings.py).
    A record that goes leaves its ordinal's slot empty (its id None), filtered out when found, until a
    seal drops it.
    """

    def __init__(self, decode: Callable[[Any], dict[str, Any]] | None = None,
                 model: PersonModel | None = None) -> None:
        """Start empty; `decode` turns a payload back into a state (default: payloads are states); persons are
        scored by `model` (default: the shipped one)."""
        self._decode = decode or (lambda payload: payload)
        self.model = model
        self._ordinal_of: dict[str, int] = {}
        self._record_ids: list[str | None] = []  # by ordinal, None once gone
        self._payloads: list[Any] = []
        self._facts: list[bytes | None] = []
        self._keys, self._blocks = Postings(), Postings()
        self.frequencies = NameFrequencies()

    def __len__(self) -> int:
        """Return how many live records are indexed."""
        return len(self._ordinal_of)

    def __contains__(self, record_id: str) -> bool:
        """Tell whether a record is indexed (live)."""
        return record_id in self._ordinal_of

    def record_ids(self) -> Iterator[str]:
        """Return the ids of the live records."""
        return iter(self._ordinal_of)

    def state_of(self, record_id: str) -> dict[str, Any]:
        """Return the current state of an indexed record."""
        return self._decode(self._payloads[self._ordinal_of[record_id]])

    def payload_of(self, record_id: str) -> Any:
        """Return an indexed record as it was given (its encoded bytes, say)."""
        return self._payloads[self._ordinal_of[record_id]]

    def address_of(self, record_id: str) -> str | None:
        """Return the key of an indexed person's registered address (read from its payload), or None."""
        return address_key((self.state_of(record_id).get("document") or {}).get("registered_address"))

    def put(self, state: dict[str, Any], payload: Any = None) -> None:
        """Index a record's current state (a RegisterRecord value, or a view of it), kept as payload (default:
        the state itself); one that is not live is dropped."""
        self.remove(state["record_id"])
        entry = index_entry(state)
        if entry is not None:
            self.put_entry(entry, state if payload is None else payload)

    def put_entry(self, entry: IndexEntry, payload: Any) -> None:
        """Index a live record by its entry (index_entry), kept as payload; it must not be indexed already."""
        self._make_room(1)
        ordinal = len(self._record_ids)
        self._ordinal_of[entry.record_id] = ordinal
        self._record_ids.append(entry.record_id)
        self._payloads.append(payload)
        self._facts.append(entry.facts)
        if entry.facts is not None:
            self.frequencies.add(entry.names)
        for key in entry.keys:
            self._keys.add(key, ordinal)
        for block in entry.blocks:
            self._blocks.add(block, ordinal)

    def remove(self, record_id: str) -> None:
        """Forget a record (removed, purged, or about to be indexed anew)."""
        ordinal = self._ordinal_of.pop(record_id, None)
        if ordinal is None:
            return
        if self._facts[ordinal] is not None:
            self.frequencies.remove(_tokens_of(self._facts[ordinal]))
        self._record_ids[ordinal] = self._payloads[ordinal] = self._facts[ordinal] = None

    def add_batch(self, batch: EntryBatch) -> None:
        """Apply a batch (entries.py): forget its removed records, then index its entries, which are found once
        sealed (search seals first when it must)."""
        for record_id in batch.removed:
            self.remove(record_id)
        record_ids = batch.record_ids
        for record_id in self._ordinal_of.keys() & record_ids:  # indexed before the batch was made
            self.remove(record_id)
        self._make_room(len(record_ids))
        start, count, live = len(self._record_ids), len(record_ids), len(self._ordinal_of)
        self._ordinal_of.update(zip(record_ids, range(start, start + count)))
        if len(self._ordinal_of) != live + count:
            raise ValueError("a batch names a record twice")
        self._record_ids += record_ids
        self._payloads += batch.payloads
        self._facts += batch.facts
        self.frequencies.add_counts(batch.name_counts, batch.persons)
        ordinals = np.arange(start, start + count, dtype=np.uint64)
        for postings, ids, counts in ((self._keys, batch.keys, batch.key_counts),
                                      (self._blocks, batch.blocks, batch.block_counts)):
            postings.add_many(np.frombuffer(ids, np.uint32), np.repeat(ordinals, np.frombuffer(counts, np.uint32)))

    @property
    def _gone(self) -> int:
        """Return how many slots are of records that have gone (each slot holds a live record or none)."""
        return len(self._record_ids) - len(self._ordinal_of)

    @property
    def _has_chunks(self) -> bool:
        """Tell whether postings added in bulk wait for a seal (they are not found until then)."""
        return self._keys.has_chunks or self._blocks.has_chunks

    def needs_seal(self) -> bool:
        """Tell whether a seal is due: postings added in bulk wait for it, or single additions or gone
        records have grown past their share."""
        slots = len(self._record_ids)
        return (self._has_chunks
                or self._keys.unsorted + self._blocks.unsorted > max(SEAL_MIN, slots * SEAL_UNSORTED_SHARE)
                or self._gone > max(SEAL_MIN, slots * SEAL_GONE_SHARE))

    def seal(self, renumber: bool = False) -> None:
        """Sort all postings into their arrays, dropping those of gone records, and give the live records new
        ordinals when many have gone or when asked (a second or so for millions of records)."""
        alive = np.fromiter((rid is not None for rid in self._record_ids), np.bool_, len(self._record_ids))
        renumber = renumber or self._gone > max(SEAL_MIN, len(alive) * SEAL_GONE_SHARE)
        renumbered = self._renumber(alive) if renumber else None
        self._keys.seal(alive, renumbered)
        self._blocks.seal(alive, renumbered)

    def _make_room(self, count: int) -> None:
        """Renumber the live records when count more ordinals would pass MAX_ORDINAL (billions of puts on)."""
        if len(self._record_ids) + count > MAX_ORDINAL:
            self.seal(renumber=True)
            if len(self._record_ids) + count > MAX_ORDINAL:
                raise ValueError(f"more than {MAX_ORDINAL} live records")

    def _renumber(self, alive: np.ndarray) -> np.ndarray:
        """Keep only the live records' slots, in order; return the new ordinal of each old one."""
        kept = np.flatnonzero(alive)
        renumbered = np.zeros(len(alive), np.uint32)
        renumbered[kept] = np.arange(len(kept), dtype=np.uint32)
        kept_ordinals = kept.tolist()
        self._record_ids = [self._record_ids[o] for o in kept_ordinals]
        self._payloads = [self._payloads[o] for o in kept_ordinals]
        self._facts = [self._facts[o] for o in kept_ordinals]
        self._ordinal_of = dict(zip(self._record_ids, range(len(kept_ordinals))))
        return renumbered

    def export(self) -> tuple:
        """Return the index as plain lists, bytes and dicts (what `marshal` stores), sealing it first when
        postings added in bulk wait, for `restore`."""
        if self._has_chunks:
            self.seal()
        return (self._record_ids, self._payloads, self._facts, self._keys.export(), self._blocks.export(),
                self.frequencies.export())

    @classmethod
    def restore(cls, plain: tuple, decode: Callable[[Any], dict[str, Any]] | None = None) -> "MatchIndex":
        """Return the index that `export` gave `plain` of (its payloads are turned into states by `decode`)."""
        index = cls(decode)
        index._record_ids, index._payloads, index._facts, keys, blocks = plain[:5]
        index._keys, index._blocks = Postings.restore(keys), Postings.restore(blocks)
        index._ordinal_of = dict(zip(index._record_ids, range(len(index._record_ids))))
        index._ordinal_of.pop(None, None)  # the slots of gone records
        if len(plain) > 5:
            index.frequencies = NameFrequencies(*plain[5])
        else:  # a snapshot of a version that kept no frequencies
            live = [facts for facts in index._facts if facts is not None]
            index.frequencies = NameFrequencies(count_tokens(map(_tokens_of, live)), len(live))
        return index

    def search(self, subject: dict[str, Any], person: bool, query: PersonFacts | None = None) -> list[Match]:
        """Return the live records that answer a subject, best first; person subjects are also
        compared by name and birth date (by `query`, their facts, when the caller has them already)."""
        if self._has_chunks:
            self.seal()
        exact = self._exact(subject_keys(subject))
        if not person:
            return sorted((Match(self._record_ids[o], "HIT", 1.0, matched) for o, matched in exact.items()),
                          key=lambda m: m.record_id)
        query = query or PersonFacts.of(subject)
        query_address = address_key(subject.get("registered_address"))
        candidates = self._person_candidates(query) | exact.keys()
        matches, scored, frequencies, model = [], [], self.frequencies, self.model
        rivals_from, bits_seen = rivals_floor_bits(model), {}
        for ordinal in candidates:
            record_id, facts = self._record_ids[ordinal], self._facts[ordinal]
            if facts is None:
                matches.append(Match(record_id, "HIT", 1.0, exact[ordinal]))
                continue
            facts = facts_of(facts)
            score = weigh_address(query, facts, match_person(query, facts, None, frequencies, model, rivals_from,
                                                           bits_seen),
                                  query_address, lambda rid=record_id: self.address_of(rid), frequencies, model)
            if score is not None:
                scored.append(Scored(record_id, facts, score))
        matches += [Match(s.record_id, outcome, s.score.value, s.score.matched, s.score.evidence)
                    for s, outcome in settle(scored, model) if outcome != "NO_HIT"]
        return sorted(matches, key=lambda m: (-m.score, m.record_id))

    def candidate_facts(self, query: PersonFacts) -> Iterator[tuple[str, PersonFacts]]:
        """Return the ids and facts of the persons a search for `query` compares it with (its blocks)."""
        if self._has_chunks:
            self.seal()
        for ordinal in self._person_candidates(query):
            if self._facts[ordinal] is not None:
                yield self._record_ids[ordinal], facts_of(self._facts[ordinal])

    def _person_candidates(self, query: PersonFacts) -> set[int]:
        """Return the ordinals of the persons in the blocks of names of `query`, or when none, of its birth
        date alone (the widest block: asked only when the names find no one)."""
        by_names, by_date = query_block_ids(query)
        return self._candidates(by_names) or self._candidates(by_date)

    def _exact(self, keys: Iterable[Key]) -> dict[int, tuple[str, ...]]:
        """Return the ordinals of live records with any of keys, and the fields each matched by: checked
        against the record's own keys, since two keys may share an id."""
        found: dict[int, tuple[str, ...]] = {}
        own_keys: dict[int, list[Key]] = {}  # each record decoded once, however many keys found it
        for key in keys:
            for ordinal in set(self._keys.ordinals((key_id(key),))):
                if self._record_ids[ordinal] is None:
                    continue
                if ordinal not in own_keys:
                    own_keys[ordinal] = document_keys(self._decode(self._payloads[ordinal]).get("document"))
                if key in own_keys[ordinal]:
                    found[ordinal] = found.get(ordinal, ()) + (FIELD_OF_KEY[key[0]],)
        return found

    def _candidates(self, block_ids: Iterable[int]) -> set[int]:
        record_ids = self._record_ids
        return {ordinal for ordinal in self._blocks.ordinals(block_ids) if record_ids[ordinal] is not None}


def _tokens_of(marshalled: bytes) -> list[str]:
    """Return the name tokens of a person's marshalled facts."""
    facts = facts_of(marshalled)
    return name_tokens(facts.surname, facts.given_name, facts.patronymic)
