"""Scores how well a person asked about agrees with a person on the register (pure).

A Fellegi-Sunter score: each part's comparison level (comparisons.py) adds log2(m/u) bits of evidence
(model.py), exact agreement on a name weighed by how many on the register hold it (frequencies.py).
Names are compared as stems (names.py), double names on any part, surname and given name straight or
wholly swapped. The IIN decides alone when both sides have it; its birth-date and sex digits are never
used against a match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Sequence

from hub.domain.identifiers import iin_is_valid, normalise_document_number
from hub.domain.matching.addresses import ADDRESS_AGREES, ADDRESS_NEAR, address_similarity
from hub.domain.matching.comparisons import (
    EPOCH,
    NameLevel,
    birth_level,
    date_parts,
    documents_near,
    name_pairing,
    patronymic_level,
    sex_level,
)
from hub.domain.matching.frequencies import NameFrequencies
from hub.domain.matching.model import PersonModel, default_model, form_of
from hub.domain.matching.names import name_keys

__all__ = ["EPOCH", "PersonFacts", "PersonScore", "Evidence", "score_person", "match_person", "weigh_address",
           "date_parts", "score_of", "form_of_evidence"]
HIT_SCORE, POSSIBLE_SCORE = 0.92, 0.80  # the scores HIT and POSSIBLE_HIT start at
NAMES_ONLY_CAP = 0.91  # below HIT_SCORE: names alone are for a person to confirm
REPORTED_LEVELS = ("EXACT", "NEAR", "AGREE", "DAY_MONTH_SWAP", "ONE_DIGIT", "AGREES")  # a part so is "matched"
NO_FREQUENCIES = NameFrequencies()
IDENTIFIED_BITS = 50.0  # the evidence of an IIN or a document number that agrees


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


class Evidence(NamedTuple):
    """What one part of a person gave: its comparison level and the bits of evidence for (or against)."""

    field: str
    level: str
    bits: float


@dataclass(frozen=True)
class PersonScore:
    """How well two persons agree: a score in [0, 1], the fields that matched, the bits of evidence and each
    part's share of them."""

    value: float
    matched: tuple[str, ...]
    bits: float = IDENTIFIED_BITS
    evidence: tuple[Evidence, ...] = ()

    @property
    def outcome(self) -> str:
        """Return HIT, POSSIBLE_HIT or NO_HIT by the thresholds."""
        if self.value >= HIT_SCORE:
            return "HIT"
        return "POSSIBLE_HIT" if self.value >= POSSIBLE_SCORE else "NO_HIT"


NO_MATCH = PersonScore(0.0, (), 0.0)


def score_person(query: PersonFacts, record: PersonFacts, frequencies: NameFrequencies | None = None,
                 model: PersonModel | None = None) -> PersonScore:
    """Return how well a record's person agrees with the person asked about (given the register's name
    frequencies, when known, and the model, the shipped one by default)."""
    model = model or default_model()
    return _identified(query, record) or _weighed(query, record, model, frequencies or NO_FREQUENCIES)


def match_person(query: PersonFacts, record: PersonFacts, address: str | None = None,
                 frequencies: NameFrequencies | None = None, model: PersonModel | None = None,
                 floor_bits: float | None = None, bits_seen: dict | None = None) -> PersonScore | None:
    """Return score_person's score when it is at least a possible hit (or has at least floor_bits), else
    None: the same scores, found sooner for the many candidates that are not. `address` is the level of
    agreement of the registered addresses (AGREES or NEAR), when both are known and agree; `bits_seen`, a
    dict kept over one query's candidates, remembers the bits of the names met (their stems repeat)."""
    model = model or default_model()
    floor = model.least_possible_bits() - 0.01 if floor_bits is None else floor_bits
    score = _identified(query, record) or _weighed(query, record, model, frequencies or NO_FREQUENCIES,
                                                   floor_bits=floor, address=address, bits_seen=bits_seen)
    if score is None or (floor_bits is None and score.outcome == "NO_HIT") or score.bits < floor:
        return None
    return score


def weigh_address(query: PersonFacts, record: PersonFacts, score: PersonScore | None, query_address: str | None,
                  recorded_address: Callable[[], str | None], frequencies: NameFrequencies | None = None,
                  model: PersonModel | None = None) -> PersonScore | None:
    """Return a match's score with the registered addresses weighed too: only for a possible hit on names and
    dates whose query gives an address (the record's is looked up, by recorded_address, only then)."""
    if score is None or score.outcome != "POSSIBLE_HIT" or not query_address:
        return score
    similarity = address_similarity(query_address, recorded_address())
    level = "AGREES" if similarity >= ADDRESS_AGREES else "NEAR" if similarity >= ADDRESS_NEAR else None
    return score if level is None else match_person(query, record, level, frequencies, model, floor_bits=score.bits)


def _identified(query: PersonFacts, record: PersonFacts) -> PersonScore | None:
    if query.iin and record.iin:
        if query.iin == record.iin:
            return PersonScore(1.0, ("iin",) + _agreeing_names(query, record), IDENTIFIED_BITS,
                               (Evidence("iin", "EXACT", IDENTIFIED_BITS),))
        return NO_MATCH  # two valid, different IINs are two people
    if query.documents and record.documents and any(number in record.documents for number in query.documents):
        return PersonScore(1.0, ("document_number",) + _agreeing_names(query, record), IDENTIFIED_BITS,
                           (Evidence("document_number", "EXACT", IDENTIFIED_BITS),))
    return None


def _weighed(query: PersonFacts, record: PersonFacts, model: PersonModel, frequencies: NameFrequencies,
             floor_bits: float | None = None, address: str | None = None,
             bits_seen: dict | None = None) -> PersonScore | None:
    """Weigh the parts' evidence; None when it falls short of floor_bits (the score is then not needed)."""
    parts = _name_evidence(query, record, model, frequencies, bits_seen)
    birth = birth_level(query, record)
    if birth is not None:
        parts.append(Evidence("birth_date", birth, model.weight("birth_date", birth)))
    near_document = bool(query.documents and record.documents and documents_near(query.documents, record.documents))
    if near_document:
        parts.append(Evidence("document_number", "NEAR", model.document_near_bits))
    if not parts:
        return NO_MATCH
    sex = sex_level(query, record)
    if sex is not None:
        parts.append(Evidence("sex", sex, model.weight("sex", sex)))
    if address is not None:
        parts.append(Evidence("registered_address", address, model.address_bits[address]))
    bits = sum(part.bits for part in parts)
    if floor_bits is not None and bits < floor_bits:
        return None
    value = score_of(bits, model, form_of_evidence(parts))
    if (birth is None and not near_document) or fathers_differ(parts):
        value = min(value, NAMES_ONLY_CAP)  # names alone, or another father's child: for a person to confirm
    matched = tuple(part.field for part in parts if part.level in REPORTED_LEVELS and part.field != "sex")
    return PersonScore(round(value, 4), matched, round(bits, 2),
                       tuple(Evidence(p.field, p.level, round(p.bits, 2)) for p in parts))


def _name_evidence(query: PersonFacts, record: PersonFacts, model: PersonModel, frequencies: NameFrequencies,
                   bits_seen: dict | None = None) -> list[Evidence]:
    """Return the evidence of the names: surname and given name (straight or swapped) and patronymic."""
    surname, given_name, swapped = name_pairing(query, record)
    found = []
    for part, level in (("surname", surname), ("given_name", given_name),
                        ("patronymic", patronymic_level(query.patronymic, record.patronymic))):
        if level is None:
            continue
        if bits_seen is None:
            bits = name_bits(part, level, model, frequencies)
        else:
            key = (part, level.level, level.stem)  # all name_bits reads of the level
            bits = bits_seen.get(key)
            if bits is None:
                bits = bits_seen[key] = name_bits(part, level, model, frequencies)
        found.append(Evidence(part, level.level, bits))
    if fathers_differ(found):
        found = [_as_namesake(e, model) for e in found]
    if swapped:
        found.append(Evidence("name_order", "SWAPPED", -model.swap_bits))
    return found


def fathers_differ(evidence: Sequence[Evidence]) -> bool:
    """Tell whether the patronymics were compared and disagree: the two are another father's children."""
    return any(e.field == "patronymic" and e.level == "DISAGREE" for e in evidence)


def _as_namesake(evidence: Evidence, model: PersonModel) -> Evidence:
    """Return a surname's or given name's evidence when the fathers differ: a rare name shared with another
    father's child is a family's name (cousins, namesakes), so it counts no more than a name of average
    frequency."""
    if evidence.field not in ("surname", "given_name") or evidence.level != "EXACT":
        return evidence
    return evidence._replace(bits=min(evidence.bits, model.weight(evidence.field, "EXACT")))


def name_bits(part: str, level: NameLevel, model: PersonModel, frequencies: NameFrequencies) -> float:
    """Return a name level's bits: exact agreement weighed by how many on the register hold the stem, and a
    near one never above that."""
    exact = model.exact_weight(part, frequencies.share(part, level.stem, model.u[part]["EXACT"]))
    if level.level == "EXACT":
        return exact
    weight = model.weight(part, level.level)
    return min(weight, exact) if weight > 0 else weight


def form_of_evidence(evidence: Sequence[Evidence]) -> str | None:
    """Return the form of a comparison (model.form_of) from its evidence; None (the general thresholds) without
    a birth date or without both a surname and a given name compared, the shapes the trainer asks."""
    fields = {e.field for e in evidence}
    birth = next((e.level for e in evidence if e.field == "birth_date"), None)
    if birth is None or not {"surname", "given_name"} <= fields:
        return None
    return form_of("patronymic" in fields, birth)


def score_of(bits: float, model: PersonModel | None = None, form: str | None = None) -> float:
    """Map evidence to a score in [0, 1]: the hit bits of the comparison's form (see model.form_of) give
    HIT_SCORE, its possible bits POSSIBLE_SCORE."""
    hit_bits, possible_bits = (model or default_model()).bits_for(form)
    scale = (hit_bits - possible_bits) / (_logit(HIT_SCORE) - _logit(POSSIBLE_SCORE))
    centre = hit_bits - scale * _logit(HIT_SCORE)
    return 1.0 / (1.0 + math.exp(max(min(-(bits - centre) / scale, 700.0), -700.0)))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _agreeing_names(query: PersonFacts, record: PersonFacts) -> tuple[str, ...]:
    surname, given_name, _ = name_pairing(query, record)
    found = [("surname", surname), ("given_name", given_name),
             ("patronymic", patronymic_level(query.patronymic, record.patronymic))]
    return tuple(part for part, level in found if level is not None and level.level in ("EXACT", "NEAR"))


def same_person(one: PersonFacts, other: PersonFacts) -> bool:
    """Tell whether two register persons are one: the same IIN or document, or the same names, patronymic
    and birth date."""
    if one.iin and other.iin:
        return one.iin == other.iin
    if set(one.documents) & set(other.documents):
        return True
    return (one.surname == other.surname and one.given_name == other.given_name
            and one.birth_date == other.birth_date and one.birth_year == other.birth_year
            and one.patronymic == other.patronymic)
