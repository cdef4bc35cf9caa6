"""The aggregator: regional events in; central register, change log and rejections out."""

from __future__ import annotations

import hashlib
import logging
import json
import time
from typing import Any

import faust

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.domain.reasons import Refusal
from hub.domain.regions import REGION_CODES
from hub.domain.register import apply_event
from hub.domain.validation import check_event
from hub.errors import CodecError, UnknownFingerprintError
from hub.kafka.topics import CHANGES, NOTIFICATIONS, REGISTER, REJECTED, regional_events_topic
from hub.sensors import Sensor
from hub.services.catalog_follower import CatalogFollower
from hub.settings import HubSettings

log = logging.getLogger(__name__)


def region_of_topic(topic: str) -> str:
    """Return the region code of a regional events topic name ('hub.events.kz-75' -> 'KZ-75')."""
    return topic.rsplit(".", 1)[-1].upper()


def rejection_value(refusal: Refusal, topic: str, partition: int, offset: int, original: bytes,
                    event: dict[str, Any] | None, now_ms: int) -> dict[str, Any]:
    """Return the Rejection message of a refused input; its id derives from where it was read."""
    texts = refusal.sentences()
    event = event or {}
    digest = hashlib.sha256(f"{topic}|{partition}|{offset}".encode()).hexdigest()[:32]
    return {
        "rejection_id": f"rej-{digest}", "event_id": event.get("event_id"), "source_topic": topic,
        "source_partition": partition, "source_offset": offset,
        "region": event.get("region") or region_of_topic(topic), "unit": event.get("unit"),
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
    code = "UNKNOWN_SCHEMA" if isinstance(error, UnknownFingerprintError) else "UNDECODABLE"
    return Refusal(code, str(error))


def install_aggregator(app: faust.App, settings: HubSettings, codec: AvroCodec, sensor: Sensor,
                       catalog: Catalog | None = None) -> CatalogFollower:
    """Register the aggregator agent, its register table and its catalog follower on the app."""
    catalog = catalog or Catalog()
    follower = CatalogFollower(settings, codec, catalog)
    names = [regional_events_topic(code).name(settings) for code in REGION_CODES]
    events = app.topic(*names, key_type=bytes, value_type=bytes, partitions=settings.partitions)
    register_topic = app.topic(REGISTER.name(settings), key_type=bytes, value_type=bytes)
    changes = app.topic(CHANGES.name(settings), key_type=bytes, value_type=bytes)
    rejected = app.topic(REJECTED.name(settings), key_type=bytes, value_type=bytes)
    notifications = app.topic(NOTIFICATIONS.name(settings), key_type=bytes, value_type=bytes)
    table = app.Table("register-state", default=None, partitions=settings.partitions,
                      key_type=str, value_type=bytes)

    @app.task
    async def follow_catalog() -> None:
        await follower.run()

    async def reject(refusal: Refusal, message, event: dict | None, region: str, action: str) -> None:
        now_ms = int(time.time() * 1000)
        value = rejection_value(refusal, message.topic, message.partition, message.offset,
                                message.value, event, now_ms)
        key = (value["unit"] or message.topic).encode()
        await rejected.send(key=key, value=codec.encode("Rejection", value))
        if value["unit"]:
            await notifications.send(key=key, value=codec.encode("Notification", rejection_notice(value)))
        sensor.on_event(region, action, "rejected")
        sensor.on_rejection(refusal.code)

    async def handle(message) -> None:
        region = region_of_topic(message.topic)
        try:
            event = codec.decode(message.value, expect="RecordEvent").value
        except CodecError as exc:
            await reject(refusal_of(exc), message, None, region, "UNKNOWN")
            return
        now_ms = int(time.time() * 1000)
        refusal = check_event(event, region, catalog, now_ms)
        if refusal is not None:
            await reject(refusal, message, event, region, event["action"])
            return
        raw = table.get(event["record_id"])
        state = json.loads(raw) if raw else None
        decision = apply_event(state, event, catalog.passport(event["record_type"]), now_ms)
        if decision.outcome == "refused":
            await reject(decision.refusal, message, event, region, event["action"])
        elif decision.outcome == "duplicate":
            sensor.on_event(region, event["action"], "duplicate")
        else:
            table[event["record_id"]] = json.dumps(decision.state).encode()
            key = event["record_id"].encode()
            await register_topic.send(key=key, value=codec.encode("RegisterRecord", decision.state))
            await changes.send(key=key, value=codec.encode("RegisterChange", decision.change))
            sensor.on_event(region, event["action"], "applied")
            sensor.on_register_change(event["record_type"], state and state["status"], decision.state["status"])
            sensor.on_applied_latency((now_ms - event["occurred_at"]) / 1000)

    @app.agent(events, concurrency=1)
    async def aggregate(stream):
        await follower.caught_up.wait()
        async for event in stream.events():
            try:
                await handle(event.message)
            except Exception as exc:  # a defect must not stop the stream: the input goes to rejected
                log.exception("cannot handle %s:%s@%s", event.message.topic, event.message.partition,
                              event.message.offset)
                await reject(Refusal("OTHER", f"internal error {exc!r}"), event.message, None,
                             region_of_topic(event.message.topic), "UNKNOWN")

    return follower
