"""Blocks of persons: the ids of the groups of names and birth dates a person on the register stands in and
a person asked about is looked for in (pure)."""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from functools import lru_cache

from hub.domain.matching.persons import EPOCH, PersonFacts

Block = tuple
SEP = "\x1f"  # between the parts of a block, when its id is taken
crc32 = zlib.crc32  # the one hash block ids are taken with
DATE_HEAD = zlib.crc32(b"D" + SEP.encode())  # the CRC a birth date's own block ("D", day) goes on from


def person_blocks(facts: PersonFacts, both_orders: bool = False, query: bool = False) -> tuple[set[int], int | None]:
    """Return the ids of the blocks a person falls in: names with the birth year, each name with the birth
    date, and the names alone; and apart, that of the birth date alone (names spelt past recognition
    still meet on it). A block's id is block_id of its parts, ("SGY", s, g, year), ("SG", s, g),
    ("SD", s, day), ("GD", g, day) and ("D", day), with s and g the first three letters of a name.

    A query looks only in the tightest blocks its facts allow (the names alone only when it gives no
    birth date or year), and also in those of its names swapped (both_orders), so that a large
    register yields tens of candidates, not thousands.
    """
    orders = [(facts.surname, facts.given_name)]
    if both_orders:
        orders.append((facts.given_name, facts.surname))
    year, born = facts.birth_year, facts.birth_date
    days = [b"%d" % day for day in (date_variants(born) if query and born is not None else
                                    ({born} if born is not None else ()))]
    ids: set[int] = set()
    with_names_alone = not query or year is None
    month_day = _month_day(born) if born is not None else None
    for surnames, given_names in orders:
        with_year, alone, with_day, with_month_day = name_heads(surnames, given_names)
        if year is not None:
            year_text = b"%d" % year
            ids.update([crc32(year_text, head) for head in with_year])
        if month_day is not None:
            ids.update([crc32(month_day, head) for head in with_month_day])
        if with_names_alone:
            ids.update(alone)
        for head in with_day:
            ids.update([crc32(day, head) for day in days])
    return ids, (crc32(b"%d" % born, DATE_HEAD) if born is not None else None)


@lru_cache(maxsize=65_536)  # names repeat: a register of millions holds tens of thousands of pairs of them
def name_heads(surnames: tuple[str, ...], given_names: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    """Return what the blocks of a person's names (in one order) share whatever the birth date: the CRCs of
    the heads that the birth year ("SGY", s, g, ...), a day ("SD", s, ...) and ("GD", g, ...), or the month
    and day ("SGMD", s, g, ...) go on from, and the ids of the blocks of the names alone ("SG", s, g). A CRC carried on over the rest is
    that of the whole, so the ids are block_id's."""
    with_year, alone, with_day, with_month_day = [], [], [], []
    for s in surnames:
        for g in given_names:
            names = f"{s[:3]}{SEP}{g[:3]}"
            with_year.append(crc32(f"SGY{SEP}{names}{SEP}".encode()))
            with_month_day.append(crc32(f"SGMD{SEP}{names}{SEP}".encode()))
            alone.append(crc32(f"SG{SEP}{names}".encode()))
        with_day.append(crc32(f"SD{SEP}{s[:3]}{SEP}".encode()))
    with_day += [crc32(f"GD{SEP}{g[:3]}{SEP}".encode()) for g in given_names]
    return tuple(with_year), tuple(alone), tuple(with_day), tuple(with_month_day)


def indexed_block_ids(facts: PersonFacts) -> set[int]:
    """Return the ids of every block a person on the register stands in: those of person_blocks with names
    and that of the birth date alone (worked out here without the choices a query has)."""
    with_year, alone, with_day, with_month_day = name_heads(facts.surname, facts.given_name)
    ids = set(alone)
    if facts.birth_year is not None:
        year_text = b"%d" % facts.birth_year
        for head in with_year:
            ids.add(crc32(year_text, head))
    if facts.birth_date is not None:
        day = b"%d" % facts.birth_date
        for head in with_day:
            ids.add(crc32(day, head))
        month_day = _month_day(facts.birth_date)
        for head in with_month_day:
            ids.add(crc32(month_day, head))
        ids.add(crc32(day, DATE_HEAD))
    return ids


@lru_cache(maxsize=1024)  # a check's search and its keeping for delayed hits ask for the same
def query_block_ids(query: PersonFacts) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return the ids of the blocks a person asked about is looked for in (both orders of the names): those
    with names, and that of the birth date alone."""
    names, born = person_blocks(query, both_orders=True, query=True)
    return tuple(names), (born,) if born is not None else ()


def date_variants(epoch_days: int) -> set[int]:
    """Return a birth date as asked and as it may stand on the register: two days either side, and with
    day and month swapped."""
    found = {epoch_days + shift for shift in (-2, -1, 0, 1, 2)}
    born = EPOCH + timedelta(days=epoch_days)
    if born.day <= 12:
        found.add((date(born.year, born.day, born.month) - EPOCH).days)
    return found


def _month_day(epoch_days: int) -> bytes:
    """Return a date's month and day as MMDD."""
    born = EPOCH + timedelta(days=epoch_days)
    return b"%02d%02d" % (born.month, born.day)


def block_id(block: Block) -> int:
    """Return the id the index keeps a block by: a CRC-32 of its parts, the same in every process (Python's
    own hash of a string is not), so that the blocks of a restored snapshot still find their records."""
    return crc32(SEP.join(map(str, block)).encode())
