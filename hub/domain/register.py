"""State transitions of one record of the central register: apply, expire and purge (pure)."""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from hub.domain.moments import iso_instant
from hub.domain.reasons import Refusal, refuse

DAY_MS = 86_400_000
HUB_UNIT = "HUB"


class Decision(NamedTuple):
    """What an event does: applied (with the new state and change), duplicate, or refused."""

    outcome: str  # applied | duplicate | refused
    state: dict[str, Any] | None = None
    change: dict[str, Any] | None = None
    refusal: Refusal | None = None


def change_id(event_id: str, record_id: str, version: int) -> str:
    """Return the deterministic id of a change: replays of one event get the same id."""
    digest = hashlib.sha256(f"{event_id}|{record_id}|{version}".encode()).hexdigest()[:32]
    return f"chg-{digest}"


def apply_event(state: dict[str, Any] | None, event: dict[str, Any], passport: dict[str, Any],
                now_ms: int) -> Decision:
    """Apply a checked event to a record's state, enforcing versions and liveness."""
    version = event["version"]
    if state is not None and (event["event_id"] == state["last_event_id"] or version <= state["version"]):
        return Decision("duplicate")
    if event["action"] == "ENROL":
        return _enrol(state, event, passport, now_ms)
    if state is None or state["status"] != "LIVE":
        return Decision("refused", refusal=refuse("NOT_LIVE", "value", "record_id", value=event["record_id"]))
    if version != state["version"] + 1:
        return _gap(event, state["version"] + 1)
    if event["action"] == "CORRECT":
        new = {**state, "version": version, "updated_at": event["occurred_at"], "owner_unit": event["unit"],
               "last_event_id": event["event_id"], "document": event["document"], **_new_term(state, event, passport)}
        return _applied(new, event, "CORRECTED", now_ms)
    return _applied(removed(state, event["event_id"], version, event["occurred_at"], passport), event,
                    "REMOVED", now_ms)


def _enrol(state, event, passport, now_ms) -> Decision:
    if state is not None:
        return Decision("refused", refusal=refuse("ALREADY_ENROLLED", "value", "record_id", value=event["record_id"]))
    if event["version"] != 1:
        return _gap(event, 1)
    valid_until = term_end(event, passport)
    if valid_until is not None and valid_until <= now_ms:
        return Decision("refused", refusal=refuse("EXPIRED_TERM", "term_ended", "valid_until",
                                                        value=iso_instant(valid_until)))
    new = {
        "record_id": event["record_id"], "record_type": event["record_type"],
        "object_kind": passport["object_kind"], "region": event["region"], "version": 1, "status": "LIVE",
        "owner_unit": event["unit"], "enrolled_by_unit": event["unit"], "enrolment_initiator": event["officer"],
        "confidentiality": passport["confidentiality"], "enrolled_at": event["occurred_at"],
        "updated_at": event["occurred_at"], "removed_at": None, "valid_until": valid_until,
        "purge_after": None, "last_event_id": event["event_id"], "document": event["document"],
        "term_notice_sent_at": None,
    }
    return _applied(new, event, "ENROLLED", now_ms)


def _new_term(state: dict[str, Any], event: dict[str, Any], passport: dict[str, Any]) -> dict[str, Any]:
    """Return the term fields a correction sets: a new valid-until (at most the type's term from the
    correction) extends or shortens the term, and the advance notice is due again."""
    if event.get("valid_until") is None:
        return {}
    return {"valid_until": term_end(event, passport), "term_notice_sent_at": None}


def term_end(event: dict[str, Any], passport: dict[str, Any]) -> int | None:
    """Return when a time-limited enrolment ends: its own valid-until, at most the type's term."""
    if not passport.get("term_days"):
        return event.get("valid_until")
    limit = event["occurred_at"] + passport["term_days"] * DAY_MS
    return min(event["valid_until"], limit) if event.get("valid_until") else limit


def removed(state: dict[str, Any], event_id: str, version: int, at_ms: int,
            passport: dict[str, Any]) -> dict[str, Any]:
    """Return a record's state once removed: kept for the type's retention, then purged."""
    return {**state, "version": version, "status": "REMOVED", "updated_at": at_ms, "removed_at": at_ms,
            "purge_after": at_ms + passport["retention_removed_days"] * DAY_MS, "last_event_id": event_id}


def _gap(event, expected: int) -> Decision:
    return Decision("refused", refusal=refuse(
        "VERSION_GAP", "version_expected", "version", given=event["version"], expected=expected))


def _change(record: dict[str, Any], after: dict[str, Any] | None, event: dict[str, Any], kind: str,
            now_ms: int) -> dict[str, Any]:
    """Return the change-log entry of `event` on `record`, leaving the state `after` (None: purged)."""
    return {
        "change_id": change_id(event["event_id"], record["record_id"], record["version"]),
        "event_id": event["event_id"], "record_id": record["record_id"], "record_type": record["record_type"],
        "region": record["region"], "kind": kind, "version": record["version"], "unit": event["unit"],
        "ground": event["ground"], "occurred_at": event["occurred_at"], "applied_at": now_ms, "state": after,
    }


def _applied(state, event, kind: str, now_ms: int) -> Decision:
    return Decision("applied", state, _change(state, state, event, kind, now_ms))


def deadlines(state: dict[str, Any], passport: dict[str, Any] | None) -> list[tuple[int, str]]:
    """Return when time will ask something of a record: (epoch ms, TERM_NOTICE | EXPIRE | PURGE)."""
    if state["status"] == "REMOVED":
        return [(state["purge_after"], "PURGE")] if state["purge_after"] is not None else []
    if state["valid_until"] is None:
        return []
    due = [(state["valid_until"], "EXPIRE")]
    notice_days = (passport or {}).get("term_notice_days") or 0
    if notice_days and state.get("term_notice_sent_at") is None:
        due.insert(0, (state["valid_until"] - notice_days * DAY_MS, "TERM_NOTICE"))
    return due


def due_action(state: dict[str, Any], now_ms: int, passport: dict[str, Any] | None = None) -> str | None:
    """Return what time asks of a record now: EXPIRE a live one past its term, PURGE a removed one,
    or a TERM_NOTICE to the owner when the type's notice period has begun."""
    due = [kind for at_ms, kind in deadlines(state, passport) if at_ms <= now_ms]
    for kind in ("PURGE", "EXPIRE", "TERM_NOTICE"):
        if kind in due:
            return kind
    return None


def noticed(state: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Return a live record's state once its owner has been told the term is ending."""
    return {**state, "term_notice_sent_at": now_ms}


def expire(state: dict[str, Any], passport: dict[str, Any], now_ms: int) -> Decision:
    """Remove a record whose term ended, on the TERM_EXPIRED ground, as the hub."""
    version = state["version"] + 1
    event_id = f"expiry-{state['record_id']}-{version}"
    new = removed(state, event_id, version, state["valid_until"], passport)
    event = {"event_id": event_id, "unit": HUB_UNIT, "ground": "TERM_EXPIRED", "occurred_at": state["valid_until"]}
    return _applied(new, event, "EXPIRED", now_ms)


def purge(state: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Return the change that purges a removed record after its retention (state None)."""
    event = {"event_id": f"purge-{state['record_id']}-{state['version']}", "unit": HUB_UNIT,
             "ground": "RETENTION_ENDED", "occurred_at": state["purge_after"]}
    return _change(state, None, event, "PURGED", now_ms)
