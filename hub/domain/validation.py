"""Checks of one event against its passport and the reference books (items 9.2-9.12), pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from hub.domain import identifiers as ids
from hub.domain.catalog import Catalog
from hub.domain.limits import out_of_range
from hub.domain.reasons import Refusal, refuse
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
    """Return why an event must be refused before looking at the register, or None (for one event; a
    stream of them is checked faster by one EventRules)."""
    return EventRules(catalog).check(event, topic_region, now_ms)


@dataclass(frozen=True)
class DocumentPlan:
    """What a passport asks of a document: its card, its required fields, and the format of some fields."""

    schema: str
    required: tuple[str, ...]
    formats: tuple[tuple[str, str, Callable[[Any, int], bool] | None], ...]  # (field, rule, its check)

    @classmethod
    def of(cls, passport: dict[str, Any]) -> "DocumentPlan":
        """Return the plan of a passport."""
        formats = tuple((name, rule, FORMAT_CHECKS.get(rule)) for name, rule in passport["field_formats"].items())
        return cls(passport["document_schema"], tuple(passport["required_fields"]), formats)


class EventRules:
    """check_event over one catalog: what depends only on the catalog (the type, the unit's authority, the
    ground, the document's plan) is worked out once per type, action, unit, ground and region, and again
    whenever the catalog changes (passports and books are updated live)."""

    MAX_REMEMBERED = 100_000  # combinations kept; a stream of made-up units cannot grow it without bound

    def __init__(self, catalog: Catalog) -> None:
        """Check against catalog as it is at each call."""
        self.catalog = catalog
        self._revision: int | None = None
        self._static: dict[tuple, tuple[Refusal | None, Refusal | None, DocumentPlan | None]] = {}

    def check(self, event: dict[str, Any], topic_region: str, now_ms: int) -> Refusal | None:
        """Return why an event must be refused before looking at the register, or None; the checks run in
        the order ranges, type, regions, unit, ground, document."""
        refusal = out_of_range(event, now_ms)
        if refusal is not None:
            return refusal
        if self._revision != self.catalog.revision or len(self._static) > self.MAX_REMEMBERED:
            self._static.clear()
            self._revision = self.catalog.revision
        key = (event["record_type"], event["action"], event["unit"], event["ground"], event["region"])
        static = self._static.get(key)
        if static is None:
            static = self._static[key] = self._static_checks(event)
        type_refusal, authority_refusal, plan = static
        refusal = type_refusal or _check_regions(event, topic_region) or authority_refusal
        if refusal is not None or event["action"] == "REMOVE":
            return refusal
        return check_document(event["document"], plan, now_ms)

    def _static_checks(self, event: dict[str, Any]) -> tuple[Refusal | None, Refusal | None, DocumentPlan | None]:
        refusal = _check_type(event, self.catalog)
        if refusal is not None:
            return refusal, None, None
        authority = _check_unit(event, self.catalog) or _check_ground(event, self.catalog)
        return None, authority, DocumentPlan.of(self.catalog.passport(event["record_type"]))


def _check_type(event, catalog) -> Refusal | None:
    passport = catalog.passport(event["record_type"])
    if passport is None:
        return refuse("UNKNOWN_TYPE", "value", "record_type", value=event["record_type"])
    if not passport["active"]:
        return refuse("INACTIVE_TYPE", "value", "record_type", value=event["record_type"])
    if passport["level"] == "REGIONAL":
        return refuse("REGIONAL_ONLY_TYPE", "value", "record_type", value=event["record_type"])
    return None


def _check_regions(event, topic_region) -> Refusal | None:
    record_region = region_of_record(event["record_id"])
    if record_region is None:
        return refuse("INVALID_FIELD", "no_region_prefix", "record_id", value=event["record_id"])
    if not event["region"] == record_region == topic_region:
        return refuse("REGION_MISMATCH", "regions_of_event", "region", topic=topic_region, event=event["region"],
                      record=record_region)
    return None


def _check_unit(event, catalog) -> Refusal | None:
    unit_region = catalog.unit_region(event["unit"])
    if unit_region is None:
        return refuse("UNKNOWN_UNIT", "value", "unit", value=event["unit"])
    if unit_region != event["region"]:
        return refuse("REGION_MISMATCH", "unit_elsewhere", "unit", unit=event["unit"], unit_region=unit_region,
                      region=event["region"])
    rule = catalog.passport(event["record_type"])[event["action"].lower()]
    if not catalog.unit_kinds(event["unit"]) & set(rule["acting_unit_kinds"]):
        return refuse("UNIT_NOT_AUTHORISED", "unit_may_not", "unit", unit=event["unit"], action=event["action"],
                      record_type=event["record_type"], kinds=", ".join(rule["acting_unit_kinds"]))
    return None


def _check_ground(event, catalog) -> Refusal | None:
    rule = catalog.passport(event["record_type"])[event["action"].lower()]
    if event["ground"] not in rule["grounds"] or catalog.entry("GROUND", event["ground"]) is None:
        return refuse("INVALID_GROUND", "ground_not_for", "ground", ground=event["ground"], action=event["action"],
                      record_type=event["record_type"])
    return None


def check_document(document: dict[str, Any] | None, plan: DocumentPlan, now_ms: int) -> Refusal | None:
    """Check a document's card, required fields and field formats against a passport's plan (item 9.12)."""
    if document is None:
        return refuse("MISSING_FIELD", "field", "document")
    schema = card_schema(document)
    if schema != plan.schema:
        return refuse("WRONG_DOCUMENT_KIND", "wrong_card", "document", given=_short(schema), required=_short(plan.schema))
    for name in plan.required:
        if document.get(name) in (None, "", []):
            return refuse("MISSING_FIELD", "field", name)
    for name, rule, check in plan.formats:
        value = document.get(name)
        if value is None:
            continue
        if not (check(value, now_ms) if check else value == rule):
            return (refuse("INVALID_FIELD", "bad_format", name, value=value, format=rule) if check
                    else refuse("INVALID_FIELD", "bad_value", name, value=value))
    return None


def _short(schema: str | None) -> str:
    return (schema or "—").rsplit(".", 1)[-1]
