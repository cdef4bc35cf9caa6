"""The trainer's thresholds: each form's possible hit lowered where it finds true persons cheaply, the
strangers answered in all forms together kept within the goal (no broker)."""

from __future__ import annotations

import random

from hub.bench import train


def test_possible_bits_spend_the_strangers_where_they_find_the_most():
    rng = random.Random(5)
    # "patronymic+date": true persons from 20 bits up, strangers below 21; "typo": both alike, 18-30 bits.
    found = [(rng.uniform(20, 35), "patronymic+date") for _ in range(4000)] + \
            [(rng.uniform(18, 30), "typo") for _ in range(4000)]
    strangers = [{"patronymic+date": rng.uniform(10, 21)} for _ in range(3000)] + \
                [{"typo": rng.uniform(18, 30)} for _ in range(1000)]
    chosen = train._possible_by_form(found, strangers, general_bits=26.0)
    answered = sum(any(s[f] >= chosen.get(f, 26.0) for f in s) for s in strangers)
    assert answered <= train.STRANGERS_POSSIBLE_GOAL * len(strangers)
    assert chosen["patronymic+date"] <= 21.0 < chosen["typo"]  # cheap where strangers never reach
    # the budget is spent: one step lower in either form would answer too many
    for form in chosen:
        lower = {**chosen, form: chosen[form] - 0.25}
        assert sum(any(s[f] >= lower.get(f, 26.0) for f in s) for s in strangers) > \
            train.STRANGERS_POSSIBLE_GOAL * len(strangers) or lower[form] < train.POSSIBLE_FLOOR_BITS or \
            not any(b >= lower[form] and b < chosen[form] for b, f in found if f == form)
