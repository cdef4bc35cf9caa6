"""The match index: live register records by exact identifier and, for persons, by blocks of name and
birth year; it follows enrolments, corrections, removals and purges (pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from hub.domain.matching.keys import Key, document_keys, subject_keys
from hub.domain.matching.persons import PersonFacts, score_person

Block = tuple


@dataclass(frozen=True)
class Match:
    """A record that answers a check: HIT or POSSIBLE_HIT, its score and the fields that matched."""

    record_id: str
    outcome: str
    score: float
    matched: tuple[str, ...]


def person_blocks(facts: PersonFacts, both_orders: bool = False) -> set[Block]:
    """Return the blocks a person falls in: surname and given name, and each with the birth year.
    A query also looks in the blocks of its names swapped (both_orders)."""
    orders = [(facts.surname, facts.given_name)]
    if both_orders:
        orders.append((facts.given_name, facts.surname))
    blocks: set[Block] = set()
    for surnames, given_names in orders:
        for s in surnames:
            for g in given_names:
                blocks.add(("SG", s[:3], g[:3]))
            if facts.birth_year is not None:
                blocks.add(("SY", s[:3], facts.birth_year))
        for g in given_names:
            if facts.birth_year is not None:
                blocks.add(("GY", g[:3], facts.birth_year))
    if facts.birth_date is not None:
        blocks.add(("D", facts.birth_date))  # names spelt past recognition still meet on the date
    return blocks


class MatchIndex:
    """Live records of the central register, findable by exact keys and person blocks."""

    def __init__(self) -> None:
        """Start empty."""
        self.states: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, list[Key]] = {}
        self._blocks: dict[str, set[Block]] = {}
        self._persons: dict[str, PersonFacts] = {}
        self._by_key: dict[Key, set[str]] = defaultdict(set)
        self._by_block: dict[Block, set[str]] = defaultdict(set)

    def __len__(self) -> int:
        """Return how many live records are indexed."""
        return len(self.states)

    def put(self, state: dict[str, Any]) -> None:
        """Index a record's current state (a RegisterRecord value); one that is not live is dropped."""
        record_id = state["record_id"]
        self.remove(record_id)
        if state["status"] != "LIVE":
            return
        self.states[record_id] = state
        keys = self._keys[record_id] = document_keys(state.get("document"))
        for key in keys:
            self._by_key[key].add(record_id)
        if state["object_kind"] == "PERSON" and state.get("document"):
            facts = self._persons[record_id] = PersonFacts.of(state["document"])
            blocks = self._blocks[record_id] = person_blocks(facts)
            for block in blocks:
                self._by_block[block].add(record_id)

    def remove(self, record_id: str) -> None:
        """Forget a record (removed, purged, or about to be indexed anew)."""
        if self.states.pop(record_id, None) is None:
            return
        for key in self._keys.pop(record_id, ()):
            _discard(self._by_key, key, record_id)
        for block in self._blocks.pop(record_id, ()):
            _discard(self._by_block, block, record_id)
        self._persons.pop(record_id, None)

    def search(self, subject: dict[str, Any], person: bool) -> list[Match]:
        """Return the live records that answer a subject, best first; person subjects are also
        compared by name and birth date."""
        exact = self._exact(subject_keys(subject))
        if not person:
            return sorted((Match(rid, "HIT", 1.0, matched) for rid, matched in exact.items()),
                          key=lambda m: m.record_id)
        query = PersonFacts.of(subject)
        candidates = set(exact) | self._candidates(person_blocks(query, both_orders=True))
        matches = []
        for record_id in candidates:
            facts = self._persons.get(record_id)
            if facts is None:
                matches.append(Match(record_id, "HIT", 1.0, exact[record_id]))
                continue
            score = score_person(query, facts)
            if score.outcome != "NO_HIT":
                matches.append(Match(record_id, score.outcome, score.value, score.matched))
        return sorted(matches, key=lambda m: (-m.score, m.record_id))

    def _exact(self, keys: Iterable[Key]) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for kind, value in keys:
            for record_id in self._by_key.get((kind, value), ()):
                found[record_id] = found.get(record_id, ()) + (FIELD_OF_KEY[kind],)
        return found

    def _candidates(self, blocks: Iterable[Block]) -> set[str]:
        found: set[str] = set()
        for block in blocks:
            found |= self._by_block.get(block, set())
        return found


FIELD_OF_KEY = {"IIN": "iin", "DOC": "document_number", "VIN": "vin", "PLATE": "plate", "IMEI": "imei",
                "SERIAL": "serial", "FACT": "registration_number"}


def _discard(index: dict, key, record_id: str) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(record_id)
        if not members:
            del index[key]
