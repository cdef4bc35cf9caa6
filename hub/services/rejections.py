"""Rejection messages and the notices that tell a sending unit its input was refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from hub.domain.reasons import Refusal, refuse
from hub.errors import CodecError, MalformedPayloadError, UnknownFingerprintError


@dataclass(frozen=True)
class Source:
    """Where an input was read: topic, partition, offset and, inside a batch, its index."""

    topic: str
    partition: int
    offset: int
    index: int | None = None

    @cached_property
    def region(self) -> str:
        """Return the region of a regional events topic ('hub.events.kz-75' -> 'KZ-75')."""
        return region_of_topic(self.topic)

    def at(self, index: int | None) -> "Source":
        """Return where the index-th event of this message was read (this message itself for None)."""
        return self if index is None else Source(self.topic, self.partition, self.offset, index)


def region_of_topic(topic: str) -> str:
    """Return the region code of a regional events topic name ('hub.events.kz-75' -> 'KZ-75')."""
    return topic.rsplit(".", 1)[-1].upper()


def rejection_value(refusal: Refusal, source: Source, original: bytes, event: dict[str, Any] | None,
                    now_ms: int) -> dict[str, Any]:
    """Return the Rejection message of a refused input; its id derives from where it was read."""
    texts = refusal.sentences()
    event = event or {}
    where = f"{source.topic}|{source.partition}|{source.offset}"
    if source.index is not None:
        where += f"|{source.index}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:32]
    return {
        "rejection_id": f"rej-{digest}", "event_id": event.get("event_id"), "source_topic": source.topic,
        "source_partition": source.partition, "source_offset": source.offset, "source_index": source.index,
        "region": event.get("region") or source.region, "unit": event.get("unit"),
        "record_id": event.get("record_id"), "record_type": event.get("record_type"),
        "reason_code": refusal.code, "reason_kk": texts["kk"], "reason_ru": texts["ru"], "reason_en": texts["en"],
        "field": refusal.field, "original": original, "rejected_at": now_ms,
    }


def rejection_notice(rejection: dict[str, Any]) -> dict[str, Any]:
    """Return the notification telling the sending unit that its event was refused."""
    return {
        "notification_id": f"ntf-{rejection['rejection_id']}", "recipient_unit": rejection["unit"],
        "kind": "EVENT_REJECTED", "created_at": rejection["rejected_at"], "check_id": None,
        "record_id": rejection["record_id"], "event_id": rejection["event_id"],
        "title_kk": "Оқиға қабылданбады", "title_ru": "Событие отклонено", "title_en": "Event rejected",
        "text_kk": rejection["reason_kk"], "text_ru": rejection["reason_ru"], "text_en": rejection["reason_en"],
        "attributes": {"reason_code": rejection["reason_code"], "source_topic": rejection["source_topic"],
                       "source_offset": str(rejection["source_offset"])},
    }


def refusal_of(error: CodecError) -> Refusal:
    """Map a codec error to the reason code of the fixed list."""
    if isinstance(error, UnknownFingerprintError):
        return refuse("UNKNOWN_SCHEMA", "unknown_fingerprint", value=error.subject)
    if isinstance(error, MalformedPayloadError):
        return refuse("UNDECODABLE", "not_avro", schema=error.subject.rsplit(".", 1)[-1])
    return refuse("UNDECODABLE", "not_single_object")
