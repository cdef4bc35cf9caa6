"""Trains the person model on a generated national register (seeds apart from the quality benchmark's):
u from random pairs, m from a labelled sample refined by EM in two blocked sessions, thresholds from the
labelled answers.

Run `python -m hub.bench.train [--persons N] [--write]`; it prints the model's figures on its own set as
JSON, and with --write replaces hub/domain/matching/person_model.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from hub.bench import national
from hub.bench.figures import quality_figures
from hub.domain.matching.em import COMPARISONS, expectation_maximisation, level_shares, vectors_of
from hub.domain.matching.index import MatchIndex
from hub.domain.matching.model import MODEL_FILE, PersonModel, default_model
from hub.domain.matching.persons import PersonFacts, same_person, score_person

TRAIN_SEED = 1001  # the quality benchmark's sets use other seeds
RANDOM_PAIRS = 400_000
HIT_PRECISION_GOAL = 0.999  # of HIT answers on the training set (the target is 0.995)
STRANGERS_POSSIBLE_GOAL = 0.01
# EM sessions, as Splink's: pairs agreeing exactly on these train the other comparisons' m (the first
# the names and sex, the second the birth date).
SESSIONS = (("birth_date",), ("surname", "given_name", "patronymic"))  # share of strangers whose best candidate reaches possible_bits


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
    """Return the model with hit_bits the least that keeps HIT precision at HIT_PRECISION_GOAL on the
    labelled questions (a HIT being the best candidate, clear of every other person by clear_win_bits), and
    possible_bits the least that answers at most STRANGERS_POSSIBLE_GOAL of the strangers."""
    best_bits, best_true, clear, stranger_best = [], [], [], []
    for question in questions:
        asked = PersonFacts.of(question.subject)
        scored = sorted(((score_person(asked, found, index.frequencies, model).bits, record_id, found)
                         for record_id, found in index.candidate_facts(asked)), key=lambda s: -s[0])
        if question.truth is None:
            stranger_best.append(scored[0][0] if scored else -99.0)
        if not scored:
            continue
        bits, record_id, found = scored[0]
        rival = max((b for b, _, f in scored[1:] if not same_person(f, found)), default=-99.0)
        best_bits.append(bits)
        best_true.append(record_id == str(question.truth))
        clear.append(bits - rival >= model.clear_win_bits)
    bits, right, clear_of = np.array(best_bits), np.array(best_true), np.array(clear)
    hit_bits = model.hit_bits
    for threshold in np.arange(10.0, 40.0, 0.25):
        hits = (bits >= threshold) & clear_of
        if hits.any() and right[hits].mean() >= HIT_PRECISION_GOAL:
            hit_bits = float(threshold)
            break
    possible_bits = float(np.quantile(stranger_best, 1 - STRANGERS_POSSIBLE_GOAL)) if stranger_best else model.possible_bits
    possible_bits = min(possible_bits, hit_bits - 0.25)
    return replace(model, hit_bits=round(hit_bits, 2), possible_bits=round(possible_bits, 2))


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
    sample = random.Random(seed).sample(list(questions), min(len(questions), 20_000))
    model = calibrate(model, sample, index)
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
                      **{k: v for k, v in figures.items() if k != "per_kind"}, "per_kind": figures["per_kind"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
