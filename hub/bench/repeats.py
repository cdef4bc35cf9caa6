"""Figures of timed phases run several times: each figure's median, with its spread (min and max)."""

from __future__ import annotations

import math
import statistics
from typing import Callable

REPEATS = 3  # targets are judged on the median of three rounds (issue 19: figures that hold on another machine)


def ratio(figure: float | None, baseline: float | None, digits: int = 2) -> float | None:
    """Return figure / baseline rounded, or None when either is not a finite number or the baseline is 0."""
    if figure is None or baseline is None or not (math.isfinite(figure) and math.isfinite(baseline)) or not baseline:
        return None
    return round(figure / baseline, digits)


def summary(rounds: list[dict[str, float | None]]) -> dict[str, float | None]:
    """Return, for each figure every round gives, its median under its own name and its spread as
    <name>_min and <name>_max (rounded as the rounds were); rounds where it is not a finite number are left
    out of both, and a figure no round measured is None."""
    shared = [key for key in rounds[0] if all(key in r for r in rounds)] if rounds else []
    figures: dict[str, float | None] = {}
    for key in shared:
        values = [r[key] for r in rounds if r[key] is not None and math.isfinite(r[key])]
        if not values:  # e.g. a percentile of no answers: said, not turned into a figure
            figures[key] = None
            continue
        digits = max(_digits(v) for v in values)
        median = round(statistics.median(values), digits)
        figures[key] = int(median) if digits == 0 else median
        figures[f"{key}_min"], figures[f"{key}_max"] = min(values), max(values)
    return figures


def repeated(one_round: Callable[[int], dict[str, float]], times: int = REPEATS,
             progress: Callable[[str], None] = print) -> list[dict[str, float]]:
    """Run a round of timed phases `times` times (its argument: the round's number, from 0); return each
    round's figures."""
    rounds = []
    for number in range(times):
        progress(f"round {number + 1} of {times}")
        rounds.append(one_round(number))
    return rounds


def _digits(value: float) -> int:
    """Return the decimals a figure was written with (0 for an int)."""
    if isinstance(value, int):
        return 0
    text = repr(value)
    return 6 if "e" in text else len(text.split(".")[1])
