"""Scores how well a person asked about agrees with a person on the register (pure).

Names are compared as stems (see names.py) with Jaro-Winkler, the best pairing of their
parts (double surnames) and of surname and given name (swapped order); birth dates allow a
day/month swap and one mistyped digit. The IIN decides alone when both sides have it; its
birth-date and sex digits are never used against a match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from hub.domain.identifiers import iin_is_valid, normalise_document_number
from hub.domain.matching.addresses import (
    ADDRESS_AGREES,
    ADDRESS_NEAR,
    address_similarity,
)
from hub.domain.matching.names import name_keys

# (least similarity, bits) per part, best band first; the last band is disagreement.
EVIDENCE = {
    "surname": ((0.95, 8.0), (0.88, 5.0), (0.75, 1.0), (0.0, -3.0)),
    "given_name": ((0.95, 6.0), (0.88, 4.0), (0.75, 1.0), (0.0, -3.0)),
    "patronymic": ((0.9, 3.0), (0.0, -1.0)),
    "birth": ((1.0, 9.0), (0.95, 6.0), (0.85, 5.0), (0.6, 1.0), (0.0, -5.0)),
    "document_number": ((0.9, 9.0), (0.0, 0.0)),
    # Only agreement counts: people move, and a register's address may be an old one.
    "registered_address": ((ADDRESS_AGREES, 5.0), (ADDRESS_NEAR, 3.0), (0.0, 0.0)),
}
SWAP_BITS = 1.0
SEX_CONFLICT_BITS = 4.0
HIT_BITS, POSSIBLE_BITS = 16.0, 11.0
HIT_SCORE = 0.92
POSSIBLE_SCORE = 0.80
_SCALE_BITS = (HIT_BITS - POSSIBLE_BITS) / (math.log(HIT_SCORE / (1 - HIT_SCORE))
                                            - math.log(POSSIBLE_SCORE / (1 - POSSIBLE_SCORE)))
_CENTRE_BITS = HIT_BITS - _SCALE_BITS * math.log(HIT_SCORE / (1 - HIT_SCORE))
AGREES = 0.90  # a part at least this similar is reported as matched
SWAP_PENALTY = 0.97  # how much better the swapped pairing must be to be taken
EPOCH = date(1970, 1, 1)
NAMES_ONLY_CAP = 0.91  # below HIT_SCORE
_jaro_winkler = JaroWinkler.normalized_similarity
NO_HIT_BELOW_BITS = POSSIBLE_BITS - 0.01  # less evidence than this cannot round up to POSSIBLE_SCORE


class PersonFacts(NamedTuple):
    """What is known of a person, as comparable keys (any part may be missing); a plain tuple underneath, so
    that an index snapshot stores it as one and restores it cheaply."""

    iin: str | None = None
    surname: tuple[str, ...] = ()
    given_name: tuple[str, ...] = ()
    patronymic: tuple[str, ...] = ()
    birth_date: int | None = None  # epoch days
    birth_year: int | None = None
    sex: str | None = None
    documents: tuple[str, ...] = ()  # a tuple: an empty or one-item frozenset takes 216 bytes, per person

    @classmethod
    def of(cls, fields: dict[str, Any]) -> "PersonFacts":
        """Return the facts of a PersonCard or a PersonSubject."""
        iin = (fields.get("iin") or "").strip()
        numbers = [d.get("number") for d in fields.get("identity_documents") or []] + [fields.get("document_number")]
        birth_date = fields.get("birth_date")
        year = fields.get("birth_year") or (date_parts(birth_date)[0] if birth_date is not None else None)
        sex = fields.get("sex")
        return cls(iin if iin_is_valid(iin) else None, name_keys(fields.get("surname")),
                   name_keys(fields.get("given_name")), name_keys(fields.get("patronymic")), birth_date, year,
                   sex if sex in ("MALE", "FEMALE") else None,
                   tuple(sorted({normalise_document_number(n) for n in numbers if n})))


@dataclass(frozen=True)
class PersonScore:
    """How well two persons agree: a score in [0, 1] and the fields that matched."""

    value: float
    matched: tuple[str, ...]

    @property
    def outcome(self) -> str:
        """Return HIT, POSSIBLE_HIT or NO_HIT by the thresholds."""
        if self.value >= HIT_SCORE:
            return "HIT"
        return "POSSIBLE_HIT" if self.value >= POSSIBLE_SCORE else "NO_HIT"


NO_MATCH = PersonScore(0.0, ())


def parts_similarity(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """Return the best Jaro-Winkler similarity between any part of one name and any of the other."""
    if not left or not right:
        return 0.0
    if len(left) == 1 and len(right) == 1:  # most names: no generator for them
        return _jaro_winkler(left[0], right[0])
    return max(_jaro_winkler(a, b) for a in left for b in right)


@lru_cache(maxsize=65_536)  # every birth date of a century fits
def date_parts(epoch_days: int) -> tuple[int, int, int, str]:
    """Return the year, month, day and YYYYMMDD digits of a date given in epoch days."""
    day = EPOCH + timedelta(days=epoch_days)
    return day.year, day.month, day.day, day.strftime("%Y%m%d")


def birth_similarity(query: PersonFacts, record: PersonFacts) -> float | None:
    """Return how well birth dates agree (None when the query gives none): 1 equal, 0.95 day and month
    swapped, 0.85 a day at most two apart or one mistyped digit, 0.6 the same year where one side knows
    only the year."""
    if query.birth_date is None and query.birth_year is None:
        return None
    if query.birth_date is not None and record.birth_date is not None:
        if query.birth_date == record.birth_date:
            return 1.0
        (qy, qm, qd, q_digits), (ry, rm, rd, r_digits) = date_parts(query.birth_date), date_parts(record.birth_date)
        if (qy, qm, qd) == (ry, rd, rm):
            return 0.95
        if (qy, qm) == (ry, rm) and abs(qd - rd) <= 2:
            return 0.85
        if _one_digit_apart(q_digits, r_digits):
            return 0.85
        return 0.0
    if record.birth_year is None:
        return 0.0
    return 0.6 if query.birth_year == record.birth_year else 0.0


def document_similarity(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """Return 0.9 when two document numbers are one typo apart (one character changed, dropped, added or two
    swapped), else 0: only positive evidence, since a person may have changed documents."""
    for a in left:
        for b in right:
            if min(len(a), len(b)) >= 6 and DamerauLevenshtein.distance(a, b) <= 1:
                return 0.9
    return 0.0


def _one_digit_apart(left: str, right: str) -> bool:
    return len(left) == len(right) and sum(a != b for a, b in zip(left, right)) == 1


def score_person(query: PersonFacts, record: PersonFacts) -> PersonScore:
    """Return how well a record's person agrees with the person asked about.

    Each part adds evidence by how well it agrees (EVIDENCE, in bits as in Fellegi-Sunter): strong
    agreement adds much, disagreement takes away less, a missing part nothing. The total maps to a
    score whose thresholds are HIT_SCORE and POSSIBLE_SCORE.
    """
    return _identified(query, record) or _weighed(query, record)


def match_person(query: PersonFacts, record: PersonFacts, address: float | None = None) -> PersonScore | None:
    """Return score_person's score when it is at least a possible hit, else None: the same scores, found
    sooner for the many candidates that are not (a search scores tens for each person asked about).
    `address` is how alike the registered addresses are, when both are known."""
    score = _identified(query, record) or _weighed(query, record, floor_bits=NO_HIT_BELOW_BITS, address=address)
    return None if score is None or score.outcome == "NO_HIT" else score


def weigh_address(query: PersonFacts, record: PersonFacts, score: PersonScore | None, query_address: str | None,
                  recorded_address: Callable[[], str | None]) -> PersonScore | None:
    """Return a match's score with the registered addresses weighed too: only for a possible hit on names and
    dates whose query gives an address (the record's is looked up, by recorded_address, only then)."""
    if score is None or score.outcome != "POSSIBLE_HIT" or not query_address:
        return score
    similarity = address_similarity(query_address, recorded_address())
    return score if not similarity else match_person(query, record, address=similarity)


def _identified(query: PersonFacts, record: PersonFacts) -> PersonScore | None:
    if query.iin and record.iin:
        if query.iin == record.iin:
            return PersonScore(1.0, ("iin",) + _agreeing_names(query, record))
        return NO_MATCH  # two valid, different IINs are two people
    if query.documents and record.documents and any(number in record.documents for number in query.documents):
        return PersonScore(1.0, ("document_number",) + _agreeing_names(query, record))
    return None


def _weighed(query: PersonFacts, record: PersonFacts, floor_bits: float | None = None,
             address: float | None = None) -> PersonScore | None:
    """Weigh the parts' evidence; None when it falls short of floor_bits (the score is then not needed)."""
    (surname, given_name), swapped = _best_pairing(query, record)
    patronymic = parts_similarity(query.patronymic, record.patronymic) if query.patronymic and record.patronymic \
        else None
    birth = birth_similarity(query, record)
    near_document = document_similarity(query.documents, record.documents) if query.documents and record.documents \
        else 0.0
    parts = (("surname", surname if query.surname else None), ("given_name", given_name if query.given_name else None),
             ("patronymic", patronymic), ("birth", birth), ("document_number", near_document or None),
             ("registered_address", address))
    bits, weighed = 0.0, False
    for name, similarity in parts:
        if similarity is not None:
            bits, weighed = bits + evidence(name, similarity), True
    if not weighed:
        return NO_MATCH
    bits -= SWAP_BITS if swapped else 0
    bits -= SEX_CONFLICT_BITS if query.sex and record.sex and query.sex != record.sex else 0
    if floor_bits is not None and bits < floor_bits:
        return None
    value = score_of(bits)
    if birth is None and not near_document:
        value = min(value, NAMES_ONLY_CAP)  # names alone are for a person to confirm, never a hit
    matched = tuple(name if name != "birth" else "birth_date" for name, similarity in parts
                    if similarity is not None and similarity >= AGREES)
    return PersonScore(round(value, 4), matched)


def evidence(part: str, similarity: float) -> float:
    """Return the bits of evidence one part's similarity gives (the first band it reaches)."""
    for least, bits in EVIDENCE[part]:
        if similarity >= least:
            return bits
    return EVIDENCE[part][-1][1]


def score_of(bits: float) -> float:
    """Map evidence to a score in [0, 1]: HIT_BITS gives HIT_SCORE and POSSIBLE_BITS gives POSSIBLE_SCORE."""
    return 1.0 / (1.0 + math.exp(-(bits - _CENTRE_BITS) / _SCALE_BITS))


def _best_pairing(query: PersonFacts, record: PersonFacts) -> tuple[tuple[float, float], bool]:
    """Return the similarities of surname and given name, straight or swapped, whichever agrees better (the
    swapped pairing must be clearly better), and whether it is the swapped one."""
    straight = (parts_similarity(query.surname, record.surname), parts_similarity(query.given_name, record.given_name))
    swapped = (parts_similarity(query.surname, record.given_name), parts_similarity(query.given_name, record.surname))
    if straight[0] + straight[1] >= (swapped[0] + swapped[1]) * SWAP_PENALTY:
        return straight, False
    return swapped, swapped != straight


def _name_parts(query: PersonFacts, record: PersonFacts) -> dict[str, float]:
    (surname, given_name), _ = _best_pairing(query, record)
    parts: dict[str, float] = {}
    if query.surname:
        parts["surname"] = surname
    if query.given_name:
        parts["given_name"] = given_name
    if query.patronymic and record.patronymic:
        parts["patronymic"] = parts_similarity(query.patronymic, record.patronymic)
    return parts


def _agreeing_names(query: PersonFacts, record: PersonFacts) -> tuple[str, ...]:
    return tuple(name for name, similarity in _name_parts(query, record).items()
                 if name != "swapped" and similarity >= AGREES)
