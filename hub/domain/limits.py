"""The sane range of every value the hub accepts: dates, instants, numbers, text lengths and list sizes (pure).

A message can be valid Avro and still hold what no service should meet: a birth date thousands of
years ago, a surname of a megabyte, a batch of a million events. The limits are data, by field name,
so that the aggregator, the client library and the matcher's intake refuse the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.domain.moments import iso_day, iso_instant
from hub.domain.reasons import Refusal, refuse

DAY_MS = 24 * 3600 * 1000
EPOCH = date(1970, 1, 1)
EARLIEST_DAY = (date(1900, 1, 1) - EPOCH).days  # epoch days of the earliest date a record may hold
EARLIEST_MS = EARLIEST_DAY * DAY_MS
YEAR_MS = 366 * DAY_MS
CLOCK_SKEW_MS = DAY_MS  # how far ahead of the hub's clock a source's clock may be


@dataclass(frozen=True)
class Limit:
    """A value's range: numbers (or epoch days, or epoch ms) in [low, high], and for the instants and
    dates that may not lie far ahead, `ahead_ms` beyond now at most; text and lists `longest` long."""

    low: int | None = None
    high: int | None = None
    ahead_ms: int | None = None
    longest: int | None = None
    unit: str = ""


TEXT = Limit(longest=1_000)
LONG_TEXT = Limit(longest=8_000)
NAME = Limit(longest=200)
CODE = Limit(longest=200)
LIST = Limit(longest=100)
PAST_DAY = Limit(low=EARLIEST_DAY, ahead_ms=CLOCK_SKEW_MS, unit="day")
PAST_INSTANT = Limit(low=EARLIEST_MS, ahead_ms=CLOCK_SKEW_MS, unit="ms")
TERM_INSTANT = Limit(low=EARLIEST_MS, ahead_ms=100 * YEAR_MS, unit="ms")

# By field name; a field not named here gets TEXT (strings), LIST (arrays and maps) or no limit (numbers).
FIELD_LIMITS: dict[str, Limit] = {
    **dict.fromkeys(("surname", "given_name", "patronymic", "officer", "owner_name", "make", "model", "colour",
                     "issuer", "citizenship", "calibre"), NAME),
    **dict.fromkeys(("event_id", "record_id", "check_id", "batch_id", "manifest_id", "unit", "requester_unit",
                     "record_type", "region", "ground", "legal_ground", "thing_kind", "kind", "document_kind",
                     "iin", "vin", "plate", "imei", "serial", "number", "document_number", "registration_number",
                     "portrait_number", "related_fact_number", "criminal_code_article", "written_request_number",
                     "photo_ref", "image_ref"), CODE),
    **dict.fromkeys(("description", "features", "special_marks", "note", "place", "purpose",
                     "registered_address", "birth_place"), LONG_TEXT),
    "birth_date": PAST_DAY, "issued_on": PAST_DAY, "described_on": PAST_DAY, "written_request_date": PAST_DAY,
    "occurred_at": PAST_INSTANT, "requested_at": PAST_INSTANT, "created_at": PAST_INSTANT,
    "valid_until": TERM_INSTANT,
    "birth_year": Limit(low=1900, ahead_ms=CLOCK_SKEW_MS, unit="year"),
    "year": Limit(low=1800, ahead_ms=YEAR_MS, unit="year"),
    "age_from": Limit(low=0, high=150), "age_to": Limit(low=0, high=150),
    "height_from_cm": Limit(low=30, high=300), "height_to_cm": Limit(low=30, high=300),
    "damage_kzt": Limit(low=0, high=10 ** 15), "version": Limit(low=1, high=2 ** 31 - 1),
    "source_sequence": Limit(low=0), "as_of_sequence": Limit(low=0),
    "chunk_index": Limit(low=0, high=100_000), "chunk_count": Limit(low=1, high=100_000),
    "identity_documents": Limit(longest=20),
    "events": Limit(longest=10_000),  # of a RecordEventBatch
    "entries": Limit(longest=100_000),  # of a manifest chunk
    "attributes": Limit(longest=50),
}
MAX_DEPTH = 8  # cards nest records in lists; nothing the hub accepts is deeper


def out_of_range(message: dict[str, Any], now_ms: int) -> Refusal | None:
    """Return why a decoded message holds a value out of its range (INVALID_FIELD), or None."""
    return _walk(message, now_ms, "", 0)


_LONGEST_TEXT = {name: limit.longest for name, limit in FIELD_LIMITS.items() if limit.longest is not None}
_SCALARS = (type(None), bool, float, bytes)


def _walk(value: dict[str, Any], now_ms: int, path: str, depth: int) -> Refusal | None:
    if depth > MAX_DEPTH:
        return refuse("INVALID_FIELD", "too_deep", path or "message", limit=MAX_DEPTH)
    for name, item in value.items():
        # The common cases, within their limits, pass without building the field's path; the rest are looked
        # at below, which also words any refusal.
        kind = type(item)
        if kind is str:
            if len(item) <= _LONGEST_TEXT.get(name, TEXT.longest):
                continue
        elif kind is int:
            limit = FIELD_LIMITS.get(name)
            if limit is None or _check_number(item, limit, now_ms, "") is None:
                continue
        elif kind in _SCALARS:
            continue
        where = f"{path}.{name}" if path else name
        refusal = _check(name, item, FIELD_LIMITS.get(name), now_ms, where)
        if refusal is None and isinstance(item, dict):
            refusal = _walk(item, now_ms, where, depth + 1)
        elif refusal is None and isinstance(item, (list, tuple)):
            refusal = _walk_items(item, now_ms, where, depth + 1)
        if refusal is not None:
            return refusal
    return None


def _walk_items(items, now_ms: int, path: str, depth: int) -> Refusal | None:
    for n, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
            item = item[1]  # a union value named by its schema
        if isinstance(item, dict):
            refusal = _walk(item, now_ms, f"{path}[{n}]", depth)
        elif isinstance(item, str):
            refusal = _check_length(item, TEXT, f"{path}[{n}]") if len(item) > TEXT.longest else None
        else:
            refusal = None
        if refusal is not None:
            return refusal
    return None


def _check(name: str, value: Any, limit: Limit | None, now_ms: int, where: str) -> Refusal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return _check_length(value, limit if limit is not None and limit.longest else TEXT, where)
    if isinstance(value, (list, tuple, dict)):
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
            return None  # a union value named by its schema: its record is walked
        return _check_length(value, limit if limit is not None and limit.longest else LIST, where)
    if isinstance(value, int) and limit is not None:
        return _check_number(value, limit, now_ms, where)
    return None


def _check_length(value, limit: Limit, where: str) -> Refusal | None:
    if limit.longest is not None and len(value) > limit.longest:
        says = "too_long" if isinstance(value, str) else "too_many"
        return refuse("INVALID_FIELD", says, where, count=len(value), limit=limit.longest)
    return None


def _check_number(value: int, limit: Limit, now_ms: int, where: str) -> Refusal | None:
    high = limit.high
    if limit.ahead_ms is not None:
        ahead = now_ms + limit.ahead_ms
        high = ahead // DAY_MS if limit.unit == "day" else ahead if limit.unit == "ms" else _year_of(ahead)
    if (limit.low is not None and value < limit.low) or (high is not None and value > high):
        return refuse("INVALID_FIELD", "out_of_range", where, value=_describe(value, limit),
                      low=_describe(limit.low, limit), high=_describe(high, limit))
    return None


def _year_of(epoch_ms: int) -> int:
    return date.fromordinal(EPOCH.toordinal() + epoch_ms // DAY_MS).year


def _describe(bound: int | None, limit: Limit) -> str:
    if bound is None:
        return "…"
    if limit.unit == "day":
        return iso_day(bound)
    if limit.unit == "ms":
        return iso_instant(bound)
    return str(bound)
