"""Dates and instants as people read them: epoch days and epoch milliseconds to ISO 8601 (pure)."""

from __future__ import annotations

import datetime as dt

EPOCH_DATE = dt.date(1970, 1, 1)
_EARLIEST_DAYS, _LATEST_DAYS = (dt.date.min - EPOCH_DATE).days, (dt.date.max - EPOCH_DATE).days


def iso_day(epoch_days: int | None) -> str:
    """Return an epoch day as an ISO date ('1960-10-01'); a day no calendar holds as its number."""
    if epoch_days is None:
        return ""
    if not _EARLIEST_DAYS <= epoch_days <= _LATEST_DAYS:
        return str(epoch_days)
    return (EPOCH_DATE + dt.timedelta(days=epoch_days)).isoformat()


def iso_instant(epoch_ms: int | None) -> str:
    """Return epoch milliseconds as an ISO instant in UTC ('2026-12-06T23:00:00Z'); one out of range as its number."""
    if epoch_ms is None:
        return ""
    days, rest_ms = divmod(epoch_ms, 86_400_000)
    if not _EARLIEST_DAYS <= days <= _LATEST_DAYS:
        return str(epoch_ms)
    moment = dt.datetime.combine(EPOCH_DATE + dt.timedelta(days=days), dt.time()) + dt.timedelta(milliseconds=rest_ms)
    text = moment.isoformat(timespec="milliseconds" if epoch_ms % 1000 else "seconds")
    return text + "Z"


def iso_day_of_instant(epoch_ms: int) -> str:
    """Return the UTC date of an instant in epoch milliseconds."""
    return iso_day(epoch_ms // 86_400_000)
