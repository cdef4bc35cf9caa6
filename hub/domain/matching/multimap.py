"""A compact multimap of ids, for indexes of millions of keys most of which hold one id or a few (pure).

Ids are strings or numbers (never tuples or sets). Under a key stands a lone id as itself, up to
FEW_MEMBERS ids as a tuple, more as a set: a set of two takes 216 bytes and one of five 728, a tuple
of two 56 and one of eight 120, and most keys of a register's blocks hold a handful of records. The
values are plain ids, tuples and sets, so an index snapshot stores them with marshal as they are.
"""

from __future__ import annotations

from typing import Collection, Hashable

Members = "Id | tuple[Id, ...] | set[Id]"  # Id: str or int
FEW_MEMBERS = 8  # at most this many ids under a key are a tuple; more are a set
SHRINK_TO_TUPLE = FEW_MEMBERS // 2  # a set that falls to this many becomes a tuple again (not back and forth)


def add_member(index: dict, key: Hashable, member: Hashable) -> None:
    """Add an id under a key (nothing changes if it is there already)."""
    members = index.get(key)
    if members is None:
        index[key] = member
    elif members.__class__ is tuple:
        if member not in members:
            index[key] = members + (member,) if len(members) < FEW_MEMBERS else {*members, member}
    elif members.__class__ is set:
        members.add(member)
    elif members != member:
        index[key] = (members, member)


def members_of(index: dict, key: Hashable) -> Collection:
    """Return the ids under a key (empty when there are none)."""
    members = index.get(key)
    if members is None:
        return ()
    return members if members.__class__ is tuple or members.__class__ is set else (members,)


def discard_member(index: dict, key: Hashable, member: Hashable) -> None:
    """Remove an id from under a key, dropping the key when none is left."""
    members = index.get(key)
    if members is None:
        return
    if members.__class__ is tuple:
        if member in members:
            rest = tuple(m for m in members if m != member)
            index[key] = rest[0] if len(rest) == 1 else rest
        return
    if members.__class__ is not set:
        if members == member:
            del index[key]
        return
    members.discard(member)
    if len(members) <= SHRINK_TO_TUPLE:
        index[key] = next(iter(members)) if len(members) == 1 else tuple(members)
