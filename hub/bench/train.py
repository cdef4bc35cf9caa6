"""Trains the person model on a generated national register (seeds apart from the quality benchmark's):
u from random pairs, m from a labelled sample refined by EM in two blocked sessions, thresholds from the
labelled answers.

Run `python -m hub.bench.train [--persons N] [--write]`; it prints the model's figures on its own set as
JSON, and with --write replaces hub/domain/matching/person_model.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from hub.bench import national
from hub.bench.figures import quality_figures
from hub.domain.matching.em import COMPARISONS, expectation_maximisation, level_shares, vectors_of
from hub.domain.matching.index import MatchIndex
from hub.domain.matching.model import FORMS, MODEL_FILE, PersonModel, default_model
from hub.domain.matching.persons import PersonFacts, form_of_evidence, same_person, score_person

TRAIN_SEED = 1001  # the quality benchmark's sets use other seeds
RANDOM_PAIRS = 400_000
HIT_PRECISION_GOAL = 0.998  # of HIT answers on the training set, in each form (the target is 0.995)
STRANGERS_POSSIBLE_GOAL = 0.015  # of strangers answered with anything (the target is 0.02)
MIN_FORM_ANSWERS = 200  # a form with fewer labelled answers keeps the general thresholds
# No form's thresholds below these, however few strangers its training set met: a stranger born the same
# day as a register person of the same common surname and patronymic (a twin, say) must not be a hit.
HIT_FLOOR_BITS, POSSIBLE_FLOOR_BITS = 24.0, 18.0
# EM sessions, as Splink's: pairs agreeing exactly on these train the other comparisons' m (the first
# the names and sex, the second the birth date).
SESSIONS = (("birth_date",), ("surname", "given_name", "patronymic"))


def card_of(person: Any) -> dict[str, Any]:
    """Return the PersonCard fields of a generated person."""
    return {"iin": None, "surname": person.surname, "given_name": person.given_name,
            "patronymic": person.patronymic, "birth_date": person.birth_date, "birth_year": None,
            "sex": person.sex, "identity_documents": [], "registered_address": None}


def state_of(record_id: str, card: dict[str, Any]) -> dict[str, Any]:
    """Return a live register record holding a person's card (what the index reads of it)."""
    return {"record_id": record_id, "status": "LIVE", "object_kind": "PERSON", "document": card}


def index_of(people: Sequence[Any], model: PersonModel | None = None) -> MatchIndex:
    """Return a match index of generated persons, record ids their positions."""
    index = MatchIndex(model=model)
    for position, person in enumerate(people):
        index.put(state_of(str(position), card_of(person)))
    index.seal()
    return index


def random_pair_vectors(facts: Sequence[PersonFacts], pairs: int, seed: int) -> np.ndarray:
    """Return the comparison vectors of random pairs of distinct persons."""
    rng = np.random.default_rng(seed)
    left, right = rng.integers(0, len(facts), (2, pairs))
    return vectors_of((facts[a], facts[b]) for a, b in zip(left.tolist(), right.tolist()) if a != b)


def same_year_share(facts: Sequence[PersonFacts], pairs: int, seed: int) -> float:
    """Return the share of random pairs of persons born in the same year: the u of YEAR_ONLY (the register
    holds full dates, so random pairs never meet that level themselves)."""
    rng = np.random.default_rng(seed + 1)
    years = np.array([f.birth_year or 0 for f in facts])
    left, right = rng.integers(0, len(facts), (2, pairs))
    return float(np.mean(years[left] == years[right]))


def estimate(people: Sequence[Any], questions: Sequence[Any], index: MatchIndex, seed: int) -> PersonModel:
    """Return a model with u from random pairs and m from the labelled pairs refined by EM over candidates."""
    facts = [PersonFacts.of(card_of(p)) for p in people]
    u = level_shares(random_pair_vectors(facts, RANDOM_PAIRS, seed))
    u["birth_date"]["YEAR_ONLY"] = same_year_share(facts, RANDOM_PAIRS, seed)
    asked = [PersonFacts.of(q.subject) for q in questions]
    labelled = vectors_of((a, facts[q.truth]) for a, q in zip(asked, questions) if q.truth is not None)
    candidates = vectors_of((a, found) for a in asked for _, found in index.candidate_facts(a))
    m = level_shares(labelled)
    for blocked_on in SESSIONS:
        agreeing = np.all([candidates[:, COMPARISONS.index(c)] == 0 for c in blocked_on], axis=0)
        m, _ = expectation_maximisation(candidates[agreeing], m, u, 0.3, blocked_on=blocked_on)
    return replace(default_model(), m=m, u=u, prior=len(labelled) / max(len(candidates), 1))


def calibrate(model: PersonModel, questions: Sequence[Any], index: MatchIndex) -> PersonModel:
    """Return the model with thresholds from the labelled answers: in general and for each form of comparison
    (model.form_of), hit bits the least that keep HIT precision at HIT_PRECISION_GOAL (a HIT being the best
    candidate, clear of every other person by clear_win_bits), and possible bits that find the most true
    persons while answering at most STRANGERS_POSSIBLE_GOAL of the strangers, in all forms together."""
    answers = [_answered(model, question, index) for question in questions]
    hit_bits = _least_precise_bits([a[0] for a in answers if a[0]], model.hit_bits)
    strangers = [a[2] for a, q in zip(answers, questions) if q.truth is None]
    possible_bits = float(np.quantile([max(s.values(), default=-99.0) for s in strangers],
                                      1 - STRANGERS_POSSIBLE_GOAL)) if strangers else model.possible_bits
    possible_bits = min(possible_bits, hit_bits - 0.25)
    found = [a[1] for a, q in zip(answers, questions) if q.truth is not None and a[1]]
    possible = _possible_by_form(found, strangers, possible_bits)
    thresholds = {}
    for form in FORMS:
        form_hit = _least_precise_bits([a[0] for a in answers if a[0] and a[0][3] == form], hit_bits)
        if form in possible:
            form_possible = max(possible[form], POSSIBLE_FLOOR_BITS)
            thresholds[form] = [round(max(form_hit, HIT_FLOOR_BITS, form_possible + 0.25), 2), round(form_possible, 2)]
    return replace(model, hit_bits=round(hit_bits, 2), possible_bits=round(possible_bits, 2), thresholds=thresholds)


def _answered(model: PersonModel, question: Any, index: MatchIndex) -> tuple:
    """Return a question's best candidate (bits, right, clear, form), the truth's (bits, form) and the
    strangers' best bits per form."""
    asked = PersonFacts.of(question.subject)
    scored = sorted(((score_person(asked, found, index.frequencies, model), record_id, found)
                     for record_id, found in index.candidate_facts(asked)), key=lambda s: -s[0].bits)
    if not scored:
        return None, None, {}
    score, record_id, found = scored[0]
    rival = max((s.bits for s, _, f in scored[1:] if not same_person(f, found)), default=-99.0)
    best = (score.bits, record_id == str(question.truth), score.bits - rival >= model.clear_win_bits,
            form_of_evidence(score.evidence))
    truth = next(((s.bits, form_of_evidence(s.evidence)) for s, r, _ in scored if r == str(question.truth)), None)
    by_form: dict[str, float] = {}
    for s, _, _ in scored:
        form = form_of_evidence(s.evidence) or "none"
        by_form[form] = max(by_form.get(form, -99.0), s.bits)
    return best, truth, by_form


def _least_precise_bits(best: list[tuple], default: float) -> float:
    """Return the least threshold whose clear best candidates are right at HIT_PRECISION_GOAL (default when
    fewer than MIN_FORM_ANSWERS would be hits)."""
    if len(best) < MIN_FORM_ANSWERS:
        return default
    bits = np.array([b[0] for b in best])
    right, clear = np.array([b[1] for b in best]), np.array([b[2] for b in best])
    for threshold in np.arange(10.0, 40.0, 0.25):
        hits = (bits >= threshold) & clear
        if hits.sum() >= MIN_FORM_ANSWERS and right[hits].mean() >= HIT_PRECISION_GOAL:
            return float(threshold)
    return default


def _possible_by_form(found: list[tuple], strangers: list[dict], general_bits: float) -> dict[str, float]:
    """Return each form's possible bits, lowered greedily from the top, the step that finds the most true
    persons per stranger answered first, while at most STRANGERS_POSSIBLE_GOAL of the strangers are
    answered in all forms together (a form that finds too few true persons keeps general_bits; one that
    strangers rarely meet is lowered as far as the floor allows, each stranger it answers still counted)."""
    grid = np.arange(POSSIBLE_FLOOR_BITS, 40.25, 0.25)
    true_bits = {f: np.array([b for b, form in found if form == f]) for f in FORMS}
    forms = [f for f in FORMS if len(true_bits[f]) >= MIN_FORM_ANSWERS]
    columns = forms + sorted({f for s in strangers for f in s} - set(forms))
    met = np.array([[s.get(f, -99.0) for f in columns] for s in strangers]).reshape(len(strangers), len(columns))
    budget = STRANGERS_POSSIBLE_GOAL * len(strangers)
    picked = {f: float(grid[-1]) for f in forms}

    def answered(thresholds: dict[str, float]) -> int:
        limits = np.array([thresholds.get(f, general_bits) for f in columns])
        return int(np.any(met >= limits, axis=1).sum())

    while True:
        moves = []
        for column, f in enumerate(forms):
            found_now, met_now = np.sum(true_bits[f] >= picked[f]), np.sum(met[:, column] >= picked[f])
            for threshold in grid[grid < picked[f]]:
                gained = np.sum(true_bits[f] >= threshold) - found_now
                if gained > 0:
                    cost = np.sum(met[:, column] >= threshold) - met_now
                    moves.append((gained / (cost + 0.5), f, float(threshold)))
        for _, f, threshold in sorted(moves, reverse=True):
            if answered({**picked, f: threshold}) <= budget:
                picked[f] = threshold
                break
        else:
            return picked


def evaluate(index: MatchIndex, questions: Sequence[Any]) -> dict[str, Any]:
    """Return the quality figures of searching the index for every question (in process, no broker)."""
    answers = [[(m.record_id, m.outcome) for m in index.search(q.subject, person=True)] for q in questions]
    truths = [None if q.truth is None else str(q.truth) for q in questions]
    return quality_figures(truths, [q.kind for q in questions], answers)


def train(persons: int, strangers: int, seed: int = TRAIN_SEED, progress=print) -> tuple[PersonModel, dict]:
    """Return a model trained on a generated register and its figures on that register's questions."""
    started = time.monotonic()
    people = national.register(persons, seed)
    questions = national.questions(people, strangers, seed + 1)
    index = index_of(people)
    progress(f"{len(people)} persons, {len(questions)} questions ({time.monotonic() - started:.0f} s)")
    model = estimate(people, questions, index, seed)
    progress(f"m and u estimated ({time.monotonic() - started:.0f} s)")
    model = calibrate(model, questions, index)
    model = replace(model, trained_on=f"hub.bench.train: national register of {persons} persons, "
                                      f"{strangers} strangers, seed {seed}")
    index.model = model
    return model, evaluate(index, questions)


def main(argv: list[str] | None = None) -> int:
    """Train, print the figures as one JSON line, and write the model when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=60_000)
    parser.add_argument("--strangers", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=TRAIN_SEED)
    parser.add_argument("--write", action="store_true", help="replace the shipped person_model.json")
    args = parser.parse_args(argv)
    model, figures = train(args.persons, args.strangers, args.seed, progress=lambda m: print(m, file=sys.stderr))
    if args.write:
        MODEL_FILE.write_text(model.to_json() + "\n", encoding="utf-8")
    print(json.dumps({"hit_bits": model.hit_bits, "possible_bits": model.possible_bits, "prior": model.prior,
                      "thresholds": model.thresholds,
                      **{k: v for k, v in figures.items() if k != "per_kind"}, "per_kind": figures["per_kind"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
