"""Postings hold what a dict of sets would, before and after seals, renumbering and a snapshot's round trip."""

from __future__ import annotations

import marshal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.matching.postings import MAX_KEY, Postings

KEYS = st.sampled_from([0, 1, 7, 2**31, MAX_KEY])  # the largest key must not spill into the next one's range
ORDINALS = st.integers(0, 30)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("add"), KEYS, ORDINALS),
    st.tuples(st.just("add_many"), st.lists(st.tuples(KEYS, ORDINALS), max_size=6)),
    st.tuples(st.just("seal"), st.sets(ORDINALS)),  # the ordinals that are gone by then
    st.tuples(st.just("round_trip")),
), max_size=30)


def found(postings: Postings, key: int, gone: set[int]) -> set[int]:
    return {o for o in postings.ordinals([key]) if o not in gone}


@given(STEPS)
def test_postings_agree_with_a_dict_of_sets(steps) -> None:
    postings, model, gone, unsealed = Postings(), {}, set(), {}
    for step in steps:
        if step[0] == "add":
            _, key, ordinal = step
            postings.add(key, ordinal)
            model.setdefault(key, set()).add(ordinal)
        elif step[0] == "add_many":
            pairs = step[1]
            postings.add_many(np.array([k for k, _ in pairs], np.uint32), np.array([o for _, o in pairs], np.uint64))
            for key, ordinal in pairs:
                unsealed.setdefault(key, set()).add(ordinal)
        elif step[0] == "seal":
            gone |= step[1]
            postings.seal(np.array([o not in gone for o in range(31)]))
            for key, ordinals in unsealed.items():
                model.setdefault(key, set()).update(ordinals)
            unsealed = {}
            assert postings.unsorted == 0 and not postings.has_chunks
            assert all(o not in gone for o in postings.ordinals([0, 1, 7, 2**31, MAX_KEY]))  # dropped
        elif not postings.has_chunks:
            postings = Postings.restore(marshal.loads(marshal.dumps(postings.export(), 4)))
        for key in (0, 1, 7, 2**31, MAX_KEY):  # bulk additions are found once sealed
            assert found(postings, key, gone) == model.get(key, set()) - gone


def test_a_seal_can_give_the_ordinals_new_numbers() -> None:
    postings = Postings()
    postings.add_many(np.array([5, 5, 9], np.uint32), np.array([0, 2, 3], np.uint64))
    postings.add(9, 1)
    alive = np.array([True, False, True, True])
    postings.seal(alive, renumbered=np.array([0, 0, 1, 2], np.uint32))
    assert sorted(postings.ordinals([5])) == [0, 1] and postings.ordinals([9]) == [2]
    assert postings.ordinals([4, 6]) == []
