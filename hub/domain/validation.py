"""Stateless checks of one event against its passport and the reference books (items 9.2-9.12)."""

from __future__ import annotations

from typing import Any, Callable

from hub.domain import identifiers as ids
from hub.domain.catalog import Catalog
from hub.domain.reasons import Refusal
from hub.domain.regions import region_of_record
from hub.domain.register import DAY_MS

CARD_MARKERS = {
    "kz.mvd.records.PersonCard": "given_name",
    "kz.mvd.records.ThingCard": "thing_kind",
    "kz.mvd.records.FactCard": "criminal_code_article",
    "kz.mvd.records.PortraitCard": "portrait_number",
}

FORMAT_CHECKS: dict[str, Callable[[Any, int], bool]] = {
    "IIN": lambda v, now: isinstance(v, str) and ids.iin_is_valid(v),
    "PAST_DATE": lambda v, now: isinstance(v, int) and v * DAY_MS <= now,
    "VIN": lambda v, now: isinstance(v, str) and ids.vin_is_well_formed(v),
    "KZ_PLATE": lambda v, now: isinstance(v, str) and ids.plate_is_valid(v),
    "IMEI": lambda v, now: isinstance(v, str) and ids.imei_is_valid(v),
    "DOCUMENT_NUMBER": lambda v, now: isinstance(v, str) and ids.document_number_is_valid(v),
    "FIREARM_SERIAL": lambda v, now: isinstance(v, str) and ids.firearm_serial_is_valid(v),
    "ERDR_NUMBER": lambda v, now: isinstance(v, str) and ids.erdr_number_is_valid(v),
}


def card_schema(document: dict[str, Any]) -> str | None:
    """Return the full name of the card a document is, by its distinguishing field."""
    for name, marker in CARD_MARKERS.items():
        if marker in document:
            return name
    return None


def hinted(state: dict[str, Any]) -> dict[str, Any]:
    """Return an event or state whose document names its card, so the Avro writer need not try each union branch."""
    document = state.get("document")
    if not isinstance(document, dict):
        return state
    return {**state, "document": (card_schema(document), document)}


def check_event(event: dict[str, Any], topic_region: str, catalog: Catalog, now_ms: int) -> Refusal | None:
    """Return why an event must be refused before looking at the register, or None."""
    for check in (_check_type, _check_regions, _check_unit, _check_ground, _check_document):
        refusal = check(event, topic_region, catalog, now_ms)
        if refusal is not None:
            return refusal
    return None


def _check_type(event, topic_region, catalog, now_ms) -> Refusal | None:
    passport = catalog.passport(event["record_type"])
    if passport is None:
        return Refusal("UNKNOWN_TYPE", event["record_type"], "record_type")
    if not passport["active"]:
        return Refusal("INACTIVE_TYPE", event["record_type"], "record_type")
    if passport["level"] == "REGIONAL":
        return Refusal("REGIONAL_ONLY_TYPE", event["record_type"], "record_type")
    return None


def _check_regions(event, topic_region, catalog, now_ms) -> Refusal | None:
    record_region = region_of_record(event["record_id"])
    if record_region is None:
        return Refusal("INVALID_FIELD", f"record id {event['record_id']} does not begin with a region code",
                       "record_id")
    if not event["region"] == record_region == topic_region:
        return Refusal("REGION_MISMATCH", f"topic {topic_region}, event {event['region']}, "
                                          f"record {record_region}", "region")
    return None


def _check_unit(event, topic_region, catalog, now_ms) -> Refusal | None:
    unit_region = catalog.unit_region(event["unit"])
    if unit_region is None:
        return Refusal("UNKNOWN_UNIT", event["unit"], "unit")
    if unit_region != event["region"]:
        return Refusal("REGION_MISMATCH", f"unit {event['unit']} belongs to {unit_region}, "
                                          f"the record to {event['region']}", "unit")
    rule = catalog.passport(event["record_type"])[event["action"].lower()]
    if not catalog.unit_kinds(event["unit"]) & set(rule["acting_unit_kinds"]):
        return Refusal("UNIT_NOT_AUTHORISED", f"{event['unit']} may not {event['action'].lower()} "
                                              f"{event['record_type']}; the passport names "
                                              f"{', '.join(rule['acting_unit_kinds'])}", "unit")
    return None


def _check_ground(event, topic_region, catalog, now_ms) -> Refusal | None:
    rule = catalog.passport(event["record_type"])[event["action"].lower()]
    if event["ground"] not in rule["grounds"] or catalog.entry("GROUND", event["ground"]) is None:
        return Refusal("INVALID_GROUND", f"{event['ground']} for {event['action'].lower()} of "
                                         f"{event['record_type']}", "ground")
    return None


def _check_document(event, topic_region, catalog, now_ms) -> Refusal | None:
    if event["action"] == "REMOVE":
        return None
    passport = catalog.passport(event["record_type"])
    document = event["document"]
    if document is None:
        return Refusal("MISSING_FIELD", "document", "document")
    if card_schema(document) != passport["document_schema"]:
        return Refusal("WRONG_DOCUMENT_KIND", f"{card_schema(document)} given, "
                                              f"{passport['document_schema']} required", "document")
    return check_fields(document, passport, now_ms)


def check_fields(document: dict[str, Any], passport: dict[str, Any], now_ms: int) -> Refusal | None:
    """Check the required fields and field formats of a passport (item 9.12)."""
    for name in passport["required_fields"]:
        if document.get(name) in (None, "", []):
            return Refusal("MISSING_FIELD", name, name)
    for name, rule in passport["field_formats"].items():
        value = document.get(name)
        if value is None:
            continue
        check = FORMAT_CHECKS.get(rule)
        ok = check(value, now_ms) if check else value == rule
        if not ok:
            return Refusal("INVALID_FIELD", f"{name}={value!r} is not a valid {rule}", name)
    return None
