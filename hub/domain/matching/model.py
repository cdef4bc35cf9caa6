"""The Fellegi-Sunter model of persons: m- and u-probabilities per comparison level, and thresholds (pure).

A level's weight is log2(m/u) bits: m the chance of the level when two records are one person, u
when they are two. The probabilities are estimated from data (em.py, trained by `hub.bench.train`)
and kept in person_model.json beside this module; the thresholds turn total bits into an outcome, each
form of comparison (whether the patronymics were compared, a full birth date or the year only) with its
own pair, since the strangers each form meets differ: a namesake with another father is told apart by
the patronymic only when it is asked, and one born nearby agrees on a date only as a typo would.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hub.domain.matching.comparisons import LEVELS

MODEL_FILE = Path(__file__).with_name("person_model.json")
LEAST_PROBABILITY = 1e-6  # no level is ever certain or impossible
DATE_AGREEMENTS = {"EXACT": "date", "YEAR_ONLY": "year", "DISAGREE": "other"}  # any other level: "typo"
FORMS = tuple(f"{patronymic}{date}" for patronymic in ("patronymic+", "") for date in ("date", "typo", "year", "other"))


def form_of(patronymic_compared: bool, birth_level: str) -> str:
    """Return the form of a comparison: whether both sides gave a patronymic, and how the birth dates agree
    (exactly, with a typo's level, by the year only, or otherwise)."""
    return ("patronymic+" if patronymic_compared else "") + DATE_AGREEMENTS.get(birth_level, "typo")


@dataclass(frozen=True)
class PersonModel:
    """m and u per comparison and level, the prior share of matches, and the thresholds in bits."""

    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    prior: float = 1e-4
    hit_bits: float = 16.0
    possible_bits: float = 10.0
    clear_win_bits: float = 4.0  # how far the best must stand above another person to be a HIT alone
    swap_bits: float = 1.0
    document_near_bits: float = 9.0
    address_bits: dict[str, float] = field(default_factory=lambda: {"AGREES": 5.0, "NEAR": 3.0})
    trained_on: str = ""
    thresholds: dict[str, list[float]] = field(default_factory=dict)  # form -> [hit_bits, possible_bits]
    weights: dict[str, dict[str, float]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Work out every level's weight once."""
        weights = {comparison: {level: math.log2(max(self.m[comparison][level], LEAST_PROBABILITY)
                                                 / max(self.u[comparison][level], LEAST_PROBABILITY))
                                for level in levels}
                   for comparison, levels in LEVELS.items()}
        # A question that gives the year only can agree on the year or disagree, nothing else: its m is the
        # share of YEAR_ONLY among those two, not among every level a full date could reach.
        m_year, m_other = self.m["birth_date"]["YEAR_ONLY"], self.m["birth_date"]["DISAGREE"]
        weights["birth_date"]["YEAR_ONLY"] = math.log2(max(m_year / max(m_year + m_other, LEAST_PROBABILITY),
                                                           LEAST_PROBABILITY)
                                                       / max(self.u["birth_date"]["YEAR_ONLY"], LEAST_PROBABILITY))
        object.__setattr__(self, "weights", weights)

    def bits_for(self, form: str | None) -> tuple[float, float]:
        """Return the (hit, possible) thresholds in bits of a form (the general pair when it has none)."""
        pair = self.thresholds.get(form) if form else None
        return (pair[0], pair[1]) if pair else (self.hit_bits, self.possible_bits)

    def least_possible_bits(self) -> float:
        """Return the least bits that are a possible hit in any form."""
        return min([self.possible_bits] + [pair[1] for pair in self.thresholds.values()])

    def least_hit_bits(self) -> float:
        """Return the least bits that are a hit in any form."""
        return min([self.hit_bits] + [pair[0] for pair in self.thresholds.values()])

    def weight(self, comparison: str, level: str) -> float:
        """Return a level's weight in bits: log2(m/u)."""
        return self.weights[comparison][level]

    def exact_weight(self, comparison: str, share: float) -> float:
        """Return the weight of exact agreement on a value that a share of the register holds (term-frequency
        adjusted: the value's share stands for u)."""
        return math.log2(self.m[comparison]["EXACT"] / max(share, LEAST_PROBABILITY))

    def to_json(self) -> str:
        """Return the model as JSON text (what person_model.json holds)."""
        return json.dumps({"m": self.m, "u": self.u, "prior": self.prior, "hit_bits": self.hit_bits,
                           "possible_bits": self.possible_bits, "clear_win_bits": self.clear_win_bits,
                           "swap_bits": self.swap_bits, "document_near_bits": self.document_near_bits,
                           "address_bits": self.address_bits, "trained_on": self.trained_on,
                           "thresholds": self.thresholds}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "PersonModel":
        """Return the model JSON text holds, checked to give every level of every comparison."""
        plain = json.loads(text)
        for name in ("m", "u"):
            for comparison, levels in LEVELS.items():
                missing = set(levels) - set(plain[name].get(comparison, {}))
                if missing:
                    raise ValueError(f"the person model's {name} lacks {comparison} levels {sorted(missing)}")
        unknown = set(plain.get("thresholds", {})) - set(FORMS)
        if unknown:
            raise ValueError(f"the person model has thresholds for unknown forms {sorted(unknown)}")
        return cls(**plain)


@lru_cache(maxsize=1)
def default_model() -> PersonModel:
    """Return the model shipped beside this module."""
    return PersonModel.from_json(MODEL_FILE.read_text(encoding="utf-8"))
