"""Outbox rows to prepared events: parse, complete, check and encode (pure; runs in the client's workers)."""

from __future__ import annotations

from typing import Any

import orjson

from connectors.client import Prepared, Preparer, stable_event_id
from connectors.client.pool import WorkContext
from connectors.client.prepare import VALUE_DEFAULTS, invalid
from hub.domain.reasons import refuse
from hub.errors import InvalidEventError

REQUIRED = ("record_id", "record_type", "action", "version", "unit", "officer", "ground", "occurred_at")


def outbox_value(row_id: int, text: str, region: str, source: str) -> dict[str, Any] | InvalidEventError:
    """Return the RecordEvent value of an outbox row's JSON (its event id derived from the source database
    and row id when the row has none), or the error that says why it is not one."""
    try:
        event = orjson.loads(text)
    except orjson.JSONDecodeError:
        return invalid(refuse("INVALID_FIELD", "not_json", "event"), row_id)
    if not isinstance(event, dict):
        return invalid(refuse("INVALID_FIELD", "not_object", "event"), row_id)
    missing = [name for name in REQUIRED if event.get(name) in (None, "")]
    if missing:
        return invalid(refuse("MISSING_FIELD", "fields", missing[0], fields=missing), row_id)
    return {**VALUE_DEFAULTS, **event, "region": region,
            "event_id": event.get("event_id") or stable_event_id("outbox", source, row_id)}


def prepare_outbox_rows(rows: list[tuple[int, str]], context: WorkContext, region: str, partitions: int,
                        now_ms: int, source: str) -> list[Prepared | InvalidEventError]:
    """Return each (row id, JSON text) checked and encoded: a RegionalClient.prepare() task."""
    preparer = Preparer(region, context.codec, context.catalog, partitions)
    return preparer.prepare_many(((row_id, outbox_value(row_id, text, region, source)) for row_id, text in rows),
                                 now_ms)
