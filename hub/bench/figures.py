"""Quality figures of check answers against the truth, overall and per kind of variant."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

Answer = Sequence[tuple[str, str]]  # (record_id, level) of each record an answer lists


def quality_figures(truths: Sequence[str | None], kinds: Sequence[str], answers: Sequence[Answer]) -> dict[str, Any]:
    """Return HIT precision and recall, hits plus possible hits of the true matches, the share of strangers
    answered with anything, the share of HIT answers listing more than one record, and per-kind figures."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for truth, kind, answer in zip(truths, kinds, answers):
        hits = {record_id for record_id, level in answer if level == "HIT"}
        found = {record_id for record_id, _ in answer}
        for key in (kind, "_all"):
            row = tally[key]
            row["checks"] += 1
            row["hit_pairs"] += len(hits)
            row["hit_wrong"] += len(hits - {truth})
            row["multi_hit"] += len(hits) > 1
            row["hit_answers"] += bool(hits)
            if truth is None:
                row["strangers"] += 1
                row["strangers_answered"] += bool(found)
                row["strangers_hit"] += bool(hits)
            else:
                row["true"] += 1
                row["hit_right"] += truth in hits
                row["found"] += truth in found
    overall = _rates(tally.pop("_all"))
    return {**overall, "per_kind": {kind: _rates(row) for kind, row in sorted(tally.items())}}


def _rates(row: dict[str, int]) -> dict[str, Any]:
    figures: dict[str, Any] = {"checks": row["checks"]}
    if row["hit_pairs"]:
        figures["hit_precision"] = round(1 - row["hit_wrong"] / row["hit_pairs"], 4)
    if row["true"]:
        figures["hit_recall"] = round(row["hit_right"] / row["true"], 4)
        figures["found_share"] = round(row["found"] / row["true"], 4)
    if row["strangers"]:
        figures["strangers_answered_share"] = round(row["strangers_answered"] / row["strangers"], 4)
        figures["strangers_hit_share"] = round(row["strangers_hit"] / row["strangers"], 4)
    if row["hit_answers"]:
        figures["multi_hit_share"] = round(row["multi_hit"] / row["hit_answers"], 4)
    return figures


def f1(precision: float, recall: float) -> float:
    """Return the harmonic mean of precision and recall."""
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
