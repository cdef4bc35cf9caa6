"""How often each name stem stands on the register, per part, for term-frequency adjustment (pure).

Agreement on a name held by 1 in 50,000 people is far stronger evidence than on one held by 1 in 50:
the chance that a stranger shares the name is its share of the register. A small register says little
about shares, so each is taken with a prior of PRIOR_RECORDS records at the model's average chance.
"""

from __future__ import annotations

from typing import Iterable

PARTS = ("surname", "given_name", "patronymic")
PRIOR_RECORDS = 200
_TAG = {"surname": "S", "given_name": "G", "patronymic": "P"}


def name_tokens(surname: Iterable[str], given_name: Iterable[str], patronymic: Iterable[str]) -> list[str]:
    """Return the tokens a person's names count under ('S:stem', 'G:stem', 'P:stem')."""
    return ([f"S:{s}" for s in surname] + [f"G:{g}" for g in given_name] + [f"P:{p}" for p in patronymic])


class NameFrequencies:
    """Counts of persons by name stem and part, kept as the register changes."""

    def __init__(self, counts: dict[str, int] | None = None, persons: int = 0) -> None:
        """Start from counts (by token, see name_tokens) over `persons` persons, or empty."""
        self.counts: dict[str, int] = counts if counts is not None else {}
        self.persons = persons

    def add(self, tokens: Iterable[str], persons: int = 1) -> None:
        """Count one person's tokens (or a batch's, with how many persons they are)."""
        counts = self.counts
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
        self.persons += persons

    def add_counts(self, counts: dict[str, int], persons: int) -> None:
        """Count a batch's tokens, already counted (token -> persons)."""
        own = self.counts
        for token, count in counts.items():
            own[token] = own.get(token, 0) + count
        self.persons += persons

    def remove(self, tokens: Iterable[str]) -> None:
        """Forget one person's tokens."""
        counts = self.counts
        for token in tokens:
            left = counts.get(token, 0) - 1
            if left > 0:
                counts[token] = left
            else:
                counts.pop(token, None)
        self.persons = max(self.persons - 1, 0)

    def count(self, part: str, stem: str) -> int:
        """Return how many persons hold a stem in a part."""
        return self.counts.get(f"{_TAG[part]}:{stem}", 0)

    def share(self, part: str, stem: str, average: float, own: int = 1) -> float:
        """Return the chance that a person other than the record compared holds the stem in that part: its
        share of the rest of the register (the record's `own` count left out), pulled towards `average` (the
        model's) by the prior."""
        others = max(self.count(part, stem) - own, 0)
        return (others + PRIOR_RECORDS * average) / (max(self.persons - own, 0) + PRIOR_RECORDS)

    def export(self) -> tuple[dict[str, int], int]:
        """Return the counts and the number of persons, for a snapshot."""
        return self.counts, self.persons


def count_tokens(batches: Iterable[list[str]]) -> dict[str, int]:
    """Return the tokens of many persons counted (token -> persons)."""
    counts: dict[str, int] = {}
    for tokens in batches:
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    return counts
