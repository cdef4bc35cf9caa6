"""One clear answer: a HIT only when the best person stands clearly above every other person found (pure)."""

from __future__ import annotations

from typing import NamedTuple

from hub.domain.matching.model import PersonModel, default_model
from hub.domain.matching.persons import PersonFacts, PersonScore, same_person


class Scored(NamedTuple):
    """A candidate record that scored at least a possible hit: its id, its person's facts and the score."""

    record_id: str
    facts: PersonFacts
    score: PersonScore


def rivals_floor_bits(model: PersonModel | None = None) -> float:
    """Return the least bits a candidate needs to be scored: a possible hit, or a rival of a hit."""
    model = model or default_model()
    return min(model.least_possible_bits(), model.least_hit_bits() - model.clear_win_bits) - 0.01


def settle(scored: list[Scored], model: PersonModel | None = None) -> list[tuple[Scored, str]]:
    """Return each candidate with its outcome (NO_HIT for a rival below a possible hit).

    A HIT stays one only for the best person's records, and only when no other person scores within the
    model's clear_win_bits of the best; a namesake below a clear winner, or every record when none wins
    clearly, is a POSSIBLE_HIT, for an officer to choose among the ranked records with their evidence.
    A record found by an identifier (IIN, document number) keeps its HIT."""
    hits = [s for s in scored if s.score.outcome == "HIT"]
    if not hits:
        return [(s, s.score.outcome) for s in scored]
    model = model or default_model()
    best = max(hits, key=lambda s: s.score.bits)
    close = best.score.bits - model.clear_win_bits
    rival = any(s.score.bits > close and not same_person(s.facts, best.facts) for s in scored if s is not best)

    def outcome(candidate: Scored) -> str:
        if candidate.score.outcome != "HIT" or candidate.score.evidence[0].field in IDENTIFIERS:
            return candidate.score.outcome
        the_person = candidate is best or same_person(candidate.facts, best.facts)
        return "HIT" if the_person and not rival else "POSSIBLE_HIT"

    return [(s, outcome(s)) for s in scored]


IDENTIFIERS = ("iin", "document_number")
