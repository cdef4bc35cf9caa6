"""Exact identifier keys of register documents and of check subjects, so that equal objects meet (pure)."""

from __future__ import annotations

import re
from typing import Any

from hub.domain import identifiers as ids

Key = tuple[str, str]


def serial_key(serial: str) -> str:
    """Return a firearm serial without spaces, dashes or slashes, look-alike letters folded to Latin."""
    return re.sub(r"[\s/-]", "", ids.fold_lookalikes(serial))


def _keys(kind: str, value: Any, normalise) -> list[Key]:
    if not value or not isinstance(value, str) or not value.strip():
        return []
    return [(kind, normalise(value.strip()))]


def document_keys(document: dict[str, Any] | None) -> list[Key]:
    """Return the exact keys a register document can be found by."""
    if not document:
        return []
    keys = _keys("IIN", document.get("iin"), str) if ids.iin_is_valid(document.get("iin") or "") else []
    for held in document.get("identity_documents") or []:
        keys += _keys("DOC", held.get("number"), ids.normalise_document_number)
    keys += _keys("DOC", document.get("document_number"), ids.normalise_document_number)
    keys += _keys("VIN", document.get("vin"), str.upper)
    keys += _keys("PLATE", document.get("plate"), ids.normalise_plate)
    keys += _keys("IMEI", document.get("imei"), ids.imei_core)
    keys += _keys("SERIAL", document.get("serial"), serial_key)
    keys += _keys("FACT", document.get("registration_number"), str)
    return keys


def subject_keys(subject: dict[str, Any]) -> list[Key]:
    """Return the exact keys a check subject asks for (any record with one of them is a candidate)."""
    keys = _keys("IIN", subject.get("iin"), str)
    keys += _keys("DOC", subject.get("document_number") or subject.get("number"), ids.normalise_document_number)
    keys += _keys("VIN", subject.get("vin"), str.upper)
    keys += _keys("PLATE", subject.get("plate"), ids.normalise_plate)
    keys += _keys("IMEI", subject.get("imei"), ids.imei_core)
    keys += _keys("SERIAL", subject.get("serial"), serial_key)
    keys += _keys("FACT", subject.get("registration_number"), str)
    return keys


def warnings_of(subject: dict[str, Any]) -> list[str]:
    """Return what looks wrong in a subject without stopping the check (a VIN's check digit, an IIN's or
    an IMEI's check digit): the requester is told, the search goes on."""
    found = []
    if subject.get("vin") and not ids.vin_check_digit_ok(subject["vin"].upper()):
        found.append("VIN_CHECK_DIGIT")
    if subject.get("iin") and not ids.iin_is_valid(subject["iin"]):
        found.append("IIN_CHECK_DIGIT")
    if subject.get("imei") and not ids.imei_is_valid(subject["imei"]):
        found.append("IMEI_CHECK_DIGIT")
    return found
