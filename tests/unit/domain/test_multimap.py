"""The compact multimap holds exactly what a dict of sets would, in its compact forms."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.matching.multimap import (
    FEW_MEMBERS,
    add_member,
    discard_member,
    members_of,
)

KEYS = st.sampled_from(["a", "b", 7])
IDS = st.sampled_from([f"R{n}" for n in range(FEW_MEMBERS * 2)] + list(range(FEW_MEMBERS * 2)))  # strings or ordinals
OPERATIONS = st.lists(st.tuples(st.booleans(), KEYS, IDS), max_size=200)


@given(OPERATIONS)
def test_the_multimap_agrees_with_a_dict_of_sets(operations) -> None:
    index: dict = {}
    model: dict = {}
    for adding, key, member in operations:
        if adding:
            add_member(index, key, member)
            model.setdefault(key, set()).add(member)
        else:
            discard_member(index, key, member)
            model.get(key, set()).discard(member)
            if not model.get(key, True):
                del model[key]
        assert {k: set(members_of(index, k)) for k in index} == model
        for members in index.values():  # each in its compact form
            if isinstance(members, tuple):
                assert 2 <= len(members) <= FEW_MEMBERS and len(set(members)) == len(members)
            elif isinstance(members, set):
                assert len(members) > FEW_MEMBERS // 2
    assert set(members_of(index, "missing")) == set()


def test_forms_by_size() -> None:
    index: dict = {}
    add_member(index, "k", "R0")
    assert index["k"] == "R0"
    add_member(index, "k", "R0")
    assert index["k"] == "R0"
    for n in range(1, FEW_MEMBERS):
        add_member(index, "k", f"R{n}")
    assert isinstance(index["k"], tuple) and len(index["k"]) == FEW_MEMBERS
    add_member(index, "k", "R99")
    assert isinstance(index["k"], set) and len(index["k"]) == FEW_MEMBERS + 1
    for n in range(FEW_MEMBERS):
        discard_member(index, "k", f"R{n}")
    assert index["k"] == "R99"
    discard_member(index, "k", "R99")
    assert "k" not in index


def test_sets_of_an_older_snapshot_still_work() -> None:
    index = {"k": {"R1", "R2"}}  # snapshots written before the tuple form keep small sets
    add_member(index, "k", "R3")
    assert set(members_of(index, "k")) == {"R1", "R2", "R3"}
    discard_member(index, "k", "R1")
    discard_member(index, "k", "R2")
    assert index["k"] == "R3"
