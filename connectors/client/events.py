"""Typed builders of a regional register's events: enrolment, correction and removal."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.domain.regions import region_of_record

EPOCH_DAY = date(1970, 1, 1)
EVENT_NAMESPACE = uuid.UUID("5b3c1f9e-2f4a-4e59-9a0c-6b1d7f0c2a11")
_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes


NEEDS_WORK = (dict, list, date)  # datetime is a date


def epoch_ms(moment: datetime) -> int:
    """Return an aware datetime as epoch milliseconds (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def avro_ready(value: Any) -> Any:
    """Return a document with dates as epoch days and datetimes as epoch milliseconds, as the schema has them."""
    if isinstance(value, dict):
        return {key: avro_ready(item) if isinstance(item, NEEDS_WORK) else item for key, item in value.items()}
    if isinstance(value, list):
        return [avro_ready(item) if isinstance(item, NEEDS_WORK) else item for item in value]
    if isinstance(value, datetime):
        return epoch_ms(value)
    if isinstance(value, date):
        return (value - EPOCH_DAY).days
    return value


def stable_event_id(*parts: object) -> str:
    """Return an event id derived from its source (a row, an outbox id), so a resend is a replay:
    the UUID version 5 of the parts joined by "|" (computed directly, as uuid.uuid5 would)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "|".join(map(str, parts)).encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class RegionalEvent(BaseModel):
    """What every event says: which record, who acted, on what ground, when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["ENROL", "CORRECT", "REMOVE"]
    record_id: str = Field(min_length=7, max_length=100)
    record_type: str = Field(pattern=r"^[A-Z][A-Z0-9_]+$")
    unit: str = Field(min_length=2)
    officer: str = Field(min_length=1)
    ground: str = Field(pattern=r"^[A-Z][A-Z0-9_]+$")
    occurred_at: datetime
    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=8)
    version: int | None = Field(default=None, ge=1, description="None: the client's version book decides.")
    source_sequence: int = Field(default=0, ge=0)
    note: str | None = None

    @field_validator("record_id")
    @classmethod
    def _record_id_has_region(cls, value: str) -> str:
        if region_of_record(value) is None:
            raise ValueError("a record id begins with its ISO 3166-2:KZ region code, e.g. KZ-75-...")
        return value

    @property
    def region(self) -> str:
        """Return the region the record belongs to."""
        return region_of_record(self.record_id) or ""

    def to_event(self, version: int) -> dict[str, Any]:
        """Return the RecordEvent value of this event at the given version."""
        return {
            "event_id": self.event_id, "record_id": self.record_id, "record_type": self.record_type,
            "region": self.region, "action": self.action, "version": version, "unit": self.unit,
            "officer": self.officer, "ground": self.ground, "occurred_at": epoch_ms(self.occurred_at),
            "valid_until": None, "source_sequence": self.source_sequence, "document": None, "note": self.note,
        }


class DocumentEvent(RegionalEvent):
    """An event that carries the whole accounting document after it, and the term's end if any."""

    document: dict[str, Any]
    valid_until: datetime | None = None

    def to_event(self, version: int) -> dict[str, Any]:
        """Return the RecordEvent value of this event, with its document."""
        return {**super().to_event(version), "document": avro_ready(self.document),
                "valid_until": epoch_ms(self.valid_until) if self.valid_until else None}


class Enrolment(DocumentEvent):
    """Putting a record on the register (version 1), with its accounting document."""

    action: Literal["ENROL"] = "ENROL"


class Correction(DocumentEvent):
    """Changing a live record: the whole accounting document after the change."""

    action: Literal["CORRECT"] = "CORRECT"


class Removal(RegionalEvent):
    """Taking a live record off the register."""

    action: Literal["REMOVE"] = "REMOVE"


def from_event(event: dict[str, Any]) -> RegionalEvent:
    """Return the builder of a RecordEvent value (as stored in an outbox row), keeping its version."""
    builder = {"ENROL": Enrolment, "CORRECT": Correction, "REMOVE": Removal}.get(event.get("action"))
    if builder is None:
        raise ValueError(f"unknown action {event.get('action')!r}")
    fields = {k: v for k, v in event.items() if k in builder.model_fields and k != "action" and v is not None}
    for key in ("occurred_at", "valid_until"):
        if isinstance(fields.get(key), int):
            fields[key] = datetime.fromtimestamp(fields[key] / 1000, tz=timezone.utc)
    return builder(**fields)
