"""The match index: live register records by exact identifier and, for persons, by blocks of name and
birth year; it follows enrolments, corrections, removals and purges (pure)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from hub.domain.matching.keys import Key, document_keys, subject_keys
from hub.domain.matching.addresses import address_key
from hub.domain.matching.multimap import add_member, discard_member, members_of
from hub.domain.matching.persons import EPOCH, PersonFacts, match_person, weigh_address

Block = tuple
SEP = "\x1f"  # between the parts of a block, when its id is taken
crc32 = zlib.crc32  # the one hash block ids are taken with


@dataclass(frozen=True)
class Match:
    """A record that answers a check: HIT or POSSIBLE_HIT, its score and the fields that matched."""

    record_id: str
    outcome: str
    score: float
    matched: tuple[str, ...]


def person_blocks(facts: PersonFacts, both_orders: bool = False, query: bool = False) -> tuple[set[int], int | None]:
    """Return the ids of the blocks a person falls in: names with the birth year, each name with the birth
    date, and the names alone; and apart, that of the birth date alone (names spelt past recognition
    still meet on it). A block's id is block_id of its parts, ("SGY", s, g, year), ("SG", s, g),
    ("SD", s, day), ("GD", g, day) and ("D", day), with s and g the first three letters of a name.

    A query looks only in the tightest blocks its facts allow (the names alone only when it gives no
    birth date or year), and also in those of its names swapped (both_orders), so that a large
    register yields tens of candidates, not thousands.
    """
    orders = [(facts.surname, facts.given_name)]
    if both_orders:
        orders.append((facts.given_name, facts.surname))
    year, born = facts.birth_year, facts.birth_date
    days = [b"%d" % day for day in (date_variants(born) if query and born is not None else
                                    ({born} if born is not None else ()))]
    ids: set[int] = set()
    with_names_alone = not query or year is None
    for surnames, given_names in orders:
        for s in surnames:
            for g in given_names:  # the ids of block_id(("SGY", ...)) and block_id(("SG", ...)), spelt out
                names = f"{s[:3]}{SEP}{g[:3]}"
                if year is not None:
                    ids.add(crc32(f"SGY{SEP}{names}{SEP}{year}".encode()))
                if with_names_alone:
                    ids.add(crc32(f"SG{SEP}{names}".encode()))
            ids.update(_with_days(f"SD{SEP}{s[:3]}{SEP}", days))
        for g in given_names:
            ids.update(_with_days(f"GD{SEP}{g[:3]}{SEP}", days))
    return ids, (crc32(b"D" + SEP.encode() + b"%d" % born) if born is not None else None)


def _with_days(head: str, days: list[bytes]) -> list[int]:
    """Return the ids of the blocks of one name part with each of several days: the CRC of the shared head
    is taken once and carried on over each day (the same ids as block_id of the whole)."""
    if not days:
        return []
    start = crc32(head.encode())
    return [crc32(day, start) for day in days]


def indexed_block_ids(facts: PersonFacts) -> set[int]:
    """Return the ids of every block a person on the register stands in: those with names and that of the
    birth date alone."""
    names, born = person_blocks(facts)
    if born is not None:
        names.add(born)
    return names


@lru_cache(maxsize=1024)  # a check's search and its keeping for delayed hits ask for the same
def query_block_ids(query: PersonFacts) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return the ids of the blocks a person asked about is looked for in (both orders of the names): those
    with names, and that of the birth date alone."""
    names, born = person_blocks(query, both_orders=True, query=True)
    return tuple(names), (born,) if born is not None else ()


def date_variants(epoch_days: int) -> set[int]:
    """Return a birth date as asked and as it may stand on the register: two days either side, and with
    day and month swapped."""
    found = {epoch_days + shift for shift in (-2, -1, 0, 1, 2)}
    born = EPOCH + timedelta(days=epoch_days)
    if born.day <= 12:
        found.add((date(born.year, born.day, born.month) - EPOCH).days)
    return found


class MatchIndex:
    """Live records of the central register, findable by exact keys and person blocks.

    A record is kept as the payload it was given (its encoded bytes, say) and turned back into a
    state by `decode` only when it answers a check; its keys are recomputed from its payload when
    it goes. That keeps about a kilobyte per record instead of its decoded state.
    """

    def __init__(self, decode: Callable[[Any], dict[str, Any]] | None = None) -> None:
        """Start empty; `decode` turns a payload back into a state (default: payloads are states)."""
        self._decode = decode or (lambda payload: payload)
        self._payloads: dict[str, Any] = {}
        self._persons: dict[str, PersonFacts] = {}
        # Compact multimaps (multimap.py). Keys are kept compact too, since a register of millions holds
        # millions of them: an exact key as one string, a block by its block_id (two blocks that share an
        # id only widen the candidates, which are all scored).
        self._by_key: dict[str, str | tuple[str, ...] | set[str]] = {}
        self._by_block: dict[int, str | tuple[str, ...] | set[str]] = {}

    def __len__(self) -> int:
        """Return how many live records are indexed."""
        return len(self._payloads)

    def state_of(self, record_id: str) -> dict[str, Any]:
        """Return the current state of an indexed record."""
        return self._decode(self._payloads[record_id])

    def payload_of(self, record_id: str) -> Any:
        """Return an indexed record as it was given (its encoded bytes, say)."""
        return self._payloads[record_id]

    def address_of(self, record_id: str) -> str | None:
        """Return the key of an indexed person's registered address (read from its payload), or None."""
        return address_key((self.state_of(record_id).get("document") or {}).get("registered_address"))

    def put(self, state: dict[str, Any], payload: Any = None) -> None:
        """Index a record's current state (a RegisterRecord value), kept as payload (default: the state
        itself); one that is not live is dropped."""
        record_id = state["record_id"]
        self.remove(record_id)
        if state["status"] != "LIVE":
            return
        self._payloads[record_id] = state if payload is None else payload
        document, by_key = state.get("document"), self._by_key
        for key in document_keys(document):
            add_member(by_key, exact_key(key), record_id)
        if state["object_kind"] == "PERSON" and document:
            facts = self._persons[record_id] = PersonFacts.of(document)
            by_block = self._by_block
            for block in indexed_block_ids(facts):
                add_member(by_block, block, record_id)

    def remove(self, record_id: str) -> None:
        """Forget a record (removed, purged, or about to be indexed anew)."""
        payload = self._payloads.pop(record_id, None)
        if payload is None:
            return
        for key in document_keys(self._decode(payload).get("document")):
            discard_member(self._by_key, exact_key(key), record_id)
        facts = self._persons.pop(record_id, None)
        if facts is not None:
            for block in indexed_block_ids(facts):
                discard_member(self._by_block, block, record_id)

    def export(self) -> tuple:
        """Return the index as plain dicts, tuples, strings and numbers (what `marshal` stores), sharing its
        objects, for `restore`."""
        return self._payloads, {rid: tuple(facts) for rid, facts in self._persons.items()}, self._by_key, self._by_block

    @classmethod
    def restore(cls, plain: tuple, decode: Callable[[Any], dict[str, Any]] | None = None) -> "MatchIndex":
        """Return the index that `export` gave `plain` of (its payloads are turned into states by `decode`)."""
        index = cls(decode)
        index._payloads, index._persons, index._by_key, index._by_block = plain
        make, persons = PersonFacts._make, index._persons
        for record_id, facts in persons.items():  # in place: each plain tuple's memory goes to the next made
            persons[record_id] = make(facts)
        return index

    def search(self, subject: dict[str, Any], person: bool, query: PersonFacts | None = None) -> list[Match]:
        """Return the live records that answer a subject, best first; person subjects are also
        compared by name and birth date (by `query`, their facts, when the caller has them already)."""
        exact = self._exact(subject_keys(subject))
        if not person:
            return sorted((Match(rid, "HIT", 1.0, matched) for rid, matched in exact.items()),
                          key=lambda m: m.record_id)
        query = query or PersonFacts.of(subject)
        query_address = address_key(subject.get("registered_address"))
        by_names, by_date = query_block_ids(query)
        candidates = self._candidates(by_names) or self._candidates(by_date)  # the date alone is the widest
        candidates |= set(exact)  # block: asked only when the names find no one
        matches = []
        for record_id in candidates:
            facts = self._persons.get(record_id)
            if facts is None:
                matches.append(Match(record_id, "HIT", 1.0, exact[record_id]))
                continue
            score = weigh_address(query, facts, match_person(query, facts), query_address,
                                  lambda rid=record_id: self.address_of(rid))
            if score is not None:
                matches.append(Match(record_id, score.outcome, score.value, score.matched))
        return sorted(matches, key=lambda m: (-m.score, m.record_id))

    def _exact(self, keys: Iterable[Key]) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for kind, value in keys:
            for record_id in members_of(self._by_key, exact_key((kind, value))):
                found[record_id] = found.get(record_id, ()) + (FIELD_OF_KEY[kind],)
        return found

    def _candidates(self, block_ids: Iterable[int]) -> set[str]:
        found: set[str] = set()
        for block in block_ids:
            found.update(members_of(self._by_block, block))
        return found


FIELD_OF_KEY = {"IIN": "iin", "DOC": "document_number", "VIN": "vin", "PLATE": "plate", "IMEI": "imei",
                "SERIAL": "serial", "FACT": "registration_number"}


def block_id(block: Block) -> int:
    """Return the id the index keeps a block by: a CRC-32 of its parts, the same in every process (Python's
    own hash of a string is not), so that the blocks of a restored snapshot still find their records."""
    return crc32(SEP.join(map(str, block)).encode())


def exact_key(key: Key) -> str:
    """Return an exact key as the one string the index keeps it as."""
    return f"{key[0]}:{key[1]}"
