"""Comparison levels of two persons, part by part, as a Fellegi-Sunter model weighs them (pure).

Each part of a person asked about is compared with the same part on the register and falls in one
level: names EXACT (their stems equal), NEAR, FAR or DISAGREE; birth dates EXACT, DAY_MONTH_SWAP,
ONE_DIGIT (one digit of YYYYMMDD wrong), YEAR_OFF_BY_ONE, DAY_NEAR, YEAR_ONLY or DISAGREE. A part
missing on either side has no level and weighs nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

EPOCH = date(1970, 1, 1)
NAME_LEVELS = ("EXACT", "NEAR", "FAR", "DISAGREE")
PATRONYMIC_LEVELS = ("EXACT", "NEAR", "DISAGREE")
BIRTH_LEVELS = ("EXACT", "DAY_MONTH_SWAP", "ONE_DIGIT", "YEAR_OFF_BY_ONE", "DAY_NEAR", "YEAR_ONLY", "DISAGREE")
SEX_LEVELS = ("AGREE", "DISAGREE")
LEVELS = {"surname": NAME_LEVELS, "given_name": NAME_LEVELS, "patronymic": PATRONYMIC_LEVELS,
          "birth_date": BIRTH_LEVELS, "sex": SEX_LEVELS}
NEAR_NAME, FAR_NAME = 0.92, 0.80  # least Jaro-Winkler similarity of stems for NEAR and FAR
NEAR_PATRONYMIC = 0.88
_jaro_winkler = JaroWinkler.normalized_similarity


class Facts(NamedTuple):
    """The parts of a person compared (PersonFacts has these fields and more)."""

    surname: tuple[str, ...]
    given_name: tuple[str, ...]
    patronymic: tuple[str, ...]
    birth_date: int | None
    birth_year: int | None
    sex: str | None


class NameLevel(NamedTuple):
    """A name part's level and the stem it agreed on (the record's best stem when it did not agree exactly)."""

    level: str
    stem: str
    similarity: float


def name_level(query: tuple[str, ...], record: tuple[str, ...], near: float = NEAR_NAME,
               far: float | None = FAR_NAME) -> NameLevel | None:
    """Return the level of two names (each a tuple of stems; double names agree on any part), or None when
    either is missing."""
    if not query or not record:
        return None
    best, stem = -1.0, record[0]
    for a in query:
        for b in record:
            similarity = 1.0 if a == b else _jaro_winkler(a, b)
            if similarity > best:
                best, stem = similarity, b
    if best == 1.0:
        return NameLevel("EXACT", stem, best)
    if best >= near:
        return NameLevel("NEAR", stem, best)
    if far is not None and best >= far:
        return NameLevel("FAR", stem, best)
    return NameLevel("DISAGREE", stem, best)


def patronymic_level(query: tuple[str, ...], record: tuple[str, ...]) -> NameLevel | None:
    """Return the level of two patronymics (their stems: -ұлы, -ович and -овна forms of a name meet)."""
    return name_level(query, record, near=NEAR_PATRONYMIC, far=None)


@lru_cache(maxsize=65_536)  # every birth date of a century fits
def date_parts(epoch_days: int) -> tuple[int, int, int, str]:
    """Return the year, month, day and YYYYMMDD digits of a date given in epoch days."""
    day = EPOCH + timedelta(days=epoch_days)
    return day.year, day.month, day.day, day.strftime("%Y%m%d")


def birth_level(query: Facts, record: Facts) -> str | None:
    """Return the level of two birth dates (None when the query gives neither date nor year)."""
    if query.birth_date is None and query.birth_year is None:
        return None
    if query.birth_date is not None and record.birth_date is not None:
        return _dates_level(query.birth_date, record.birth_date)
    record_year = record.birth_year if record.birth_year is not None else (
        date_parts(record.birth_date)[0] if record.birth_date is not None else None)
    if record_year is None:
        return None
    return "YEAR_ONLY" if query.birth_year == record_year else "DISAGREE"


def _dates_level(query_days: int, record_days: int) -> str:
    if query_days == record_days:
        return "EXACT"
    (qy, qm, qd, q_digits), (ry, rm, rd, r_digits) = date_parts(query_days), date_parts(record_days)
    if (qy, qm, qd) == (ry, rd, rm):
        return "DAY_MONTH_SWAP"
    if sum(a != b for a, b in zip(q_digits, r_digits)) == 1:
        return "ONE_DIGIT"
    if (qm, qd) == (rm, rd) and abs(qy - ry) == 1:
        return "YEAR_OFF_BY_ONE"
    if abs(query_days - record_days) <= 2:
        return "DAY_NEAR"
    return "DISAGREE"


def sex_level(query: Facts, record: Facts) -> str | None:
    """Return AGREE or DISAGREE when both sides state a sex, else None."""
    if not query.sex or not record.sex:
        return None
    return "AGREE" if query.sex == record.sex else "DISAGREE"


def documents_near(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """Tell whether two document numbers are one typo apart (one character changed, dropped, added or two
    swapped): only positive evidence, since a person may have changed documents."""
    return any(min(len(a), len(b)) >= 6 and DamerauLevenshtein.distance(a, b) <= 1 for a in left for b in right)


def name_pairing(query: Facts, record: Facts) -> tuple[NameLevel | None, NameLevel | None, bool]:
    """Return the levels of surname and given name, straight or wholly swapped (surname against given name
    and given name against surname, both at least NEAR and together better), and whether swapped. One name
    crossing to the other field alone is never taken: that is another person named after a father."""
    surname, given = name_level(query.surname, record.surname), name_level(query.given_name, record.given_name)
    if surname is not None and given is not None and surname.level == given.level == "EXACT":
        return surname, given, False  # nothing crossed does better than both straight and exact
    crossed_surname = name_level(query.surname, record.given_name)
    crossed_given = name_level(query.given_name, record.surname)
    if crossed_surname is None or crossed_given is None:
        return surname, given, False
    if crossed_surname.level not in ("EXACT", "NEAR") or crossed_given.level not in ("EXACT", "NEAR"):
        return surname, given, False
    straight = (surname.similarity if surname else 0.0) + (given.similarity if given else 0.0)
    if crossed_surname.similarity + crossed_given.similarity <= straight:
        return surname, given, False
    return crossed_given, crossed_surname, True
