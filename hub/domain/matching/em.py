"""Estimates a person model's m- and u-probabilities from data, as Splink does (pure).

u from random pairs of register persons (almost all pairs are two people); m first from a labelled
sample of true pairs, then by expectation-maximisation over the candidate pairs a search meets (u
held fixed), which also gives the share of matches among them.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from hub.domain.matching.comparisons import (
    LEVELS,
    birth_level,
    name_pairing,
    patronymic_level,
    sex_level,
)
from hub.domain.matching.persons import PersonFacts

COMPARISONS = tuple(LEVELS)
Probabilities = dict[str, dict[str, float]]
SMOOTHING = 0.5  # pseudo-count per level, so that no level is estimated as impossible


def comparison_vector(query: PersonFacts, record: PersonFacts) -> tuple[int, ...]:
    """Return the level index of each comparison (COMPARISONS order; -1 where a side lacks the part)."""
    surname, given_name, _ = name_pairing(query, record)
    levels = {"surname": surname.level if surname else None, "given_name": given_name.level if given_name else None,
              "patronymic": (lambda p: p.level if p else None)(patronymic_level(query.patronymic, record.patronymic)),
              "birth_date": birth_level(query, record), "sex": sex_level(query, record)}
    return tuple(LEVELS[c].index(levels[c]) if levels[c] is not None else -1 for c in COMPARISONS)


def vectors_of(pairs: Iterable[tuple[PersonFacts, PersonFacts]]) -> np.ndarray:
    """Return the comparison vectors of pairs as an (n, comparisons) array of level indexes."""
    rows = [comparison_vector(q, r) for q, r in pairs]
    return np.array(rows, dtype=np.int8).reshape(len(rows), len(COMPARISONS))


def level_shares(vectors: np.ndarray, weights: np.ndarray | None = None) -> Probabilities:
    """Return each comparison's share of pairs at each level (pairs lacking the part left out), smoothed."""
    weights = np.ones(len(vectors)) if weights is None else weights
    shares: Probabilities = {}
    for column, comparison in enumerate(COMPARISONS):
        levels = LEVELS[comparison]
        totals = np.array([weights[vectors[:, column] == i].sum() for i in range(len(levels))]) + SMOOTHING
        shares[comparison] = {level: float(t / totals.sum()) for level, t in zip(levels, totals)}
    return shares


def expectation_maximisation(vectors: np.ndarray, m: Probabilities, u: Probabilities, prior: float,
                             blocked_on: tuple[str, ...] = (), iterations: int = 40,
                             tolerance: float = 1e-6) -> tuple[Probabilities, float]:
    """Return m and the share of matches re-estimated by EM over candidate pairs' vectors, u held fixed.

    As in Splink, the pairs of one session are those that agree on the comparisons `blocked_on`: those
    are left out of the likelihood and keep their m, which the other sessions estimate.
    """
    unique, counts = np.unique(vectors, axis=0, return_counts=True)
    used = tuple(c for c in COMPARISONS if c not in blocked_on)
    for _ in range(iterations):
        log_m, log_u = _log_likelihood(unique, m, used), _log_likelihood(unique, u, used)
        odds = np.exp(np.clip(np.log(prior / (1 - prior)) + log_m - log_u, -700, 700))
        match = odds / (1 + odds)
        new_prior = float((counts * match).sum() / counts.sum())
        new_m = {**m, **{c: shares for c, shares in level_shares(unique, counts * match).items() if c in used}}
        change = max(abs(new_m[c][lv] - m[c][lv]) for c in used for lv in LEVELS[c])
        m, prior = new_m, min(max(new_prior, 1e-9), 1 - 1e-9)
        if change < tolerance:
            break
    return m, prior


def _log_likelihood(unique: np.ndarray, probabilities: Probabilities, used: tuple[str, ...]) -> np.ndarray:
    total = np.zeros(len(unique))
    for column, comparison in enumerate(COMPARISONS):
        if comparison not in used:
            continue
        table = np.log(np.array([probabilities[comparison][level] for level in LEVELS[comparison]]))
        present = unique[:, column] >= 0
        total[present] += table[unique[present, column]]
    return total
