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


# (key kind, field, how its value is normalised), shared by register documents and check subjects.
SHARED_FIELDS = (("DOC", "document_number", ids.normalise_document_number), ("VIN", "vin", str.upper),
                 ("PLATE", "plate", ids.normalise_plate), ("IMEI", "imei", ids.imei_core),
                 ("SERIAL", "serial", serial_key), ("FACT", "registration_number", str))


def _shared_keys(fields: dict[str, Any], keys: list[Key]) -> list[Key]:
    """Add the keys of the fields shared by documents and subjects to keys (as _keys would, inline: a
    register of millions is indexed through here); return keys."""
    for kind, name, normalise in SHARED_FIELDS:
        value = fields.get(name)
        if value and value.__class__ is str:
            value = value.strip()
            if value:
                keys.append((kind, normalise(value)))
    return keys


def document_keys(document: dict[str, Any] | None) -> list[Key]:
    """Return the exact keys a register document can be found by."""
    if not document:
        return []
    iin = document.get("iin")
    keys = _keys("IIN", iin, str) if iin and ids.iin_is_valid(iin) else []
    for held in document.get("identity_documents") or ():
        keys += _keys("DOC", held.get("number"), ids.normalise_document_number)
    return _shared_keys(document, keys)


def subject_keys(subject: dict[str, Any]) -> list[Key]:
    """Return the exact keys a check subject asks for (any record with one of them is a candidate);
    a DocumentSubject's `number` is a document number."""
    keys = _keys("IIN", subject.get("iin"), str) + _keys("DOC", subject.get("number"), ids.normalise_document_number)
    return _shared_keys(subject, keys)


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
