"""Decoded messages printed for people and scripts: ISO dates and instants, base64 bytes, plain union records."""

from __future__ import annotations

from hub.codec.readable import readable
from tests.samples import PERSON, REGISTER_RECORD, THING


def test_dates_and_instants_read_as_iso_8601(registry) -> None:
    record = {**REGISTER_RECORD, "enrolled_at": 1_795_000_000_000, "valid_until": 1_795_000_000_123,
              "document": ("kz.mvd.records.PersonCard", {**PERSON, "birth_date": -3653})}
    shown = readable(registry, "RegisterRecord", record)
    assert shown["enrolled_at"] == "2026-11-18T11:06:40Z" and shown["valid_until"] == "2026-11-18T11:06:40.123Z"
    assert shown["document"]["birth_date"] == "1960-01-01"
    assert shown["document"]["identity_documents"][0]["issued_on"][:4] == "2016"
    assert shown["removed_at"] is None and shown["version"] == record["version"]


def test_a_union_record_given_plainly_is_found_by_its_fields(registry) -> None:
    shown = readable(registry, "RegisterRecord", {**REGISTER_RECORD, "document": {**THING, "year": 2015}})
    assert shown["document"]["vin"] == THING["vin"] and shown["document"]["year"] == 2015


def test_a_day_no_calendar_holds_stays_a_number(registry) -> None:
    shown = readable(registry, "RegisterRecord", {**REGISTER_RECORD, "document": {**PERSON, "birth_date": -800_000}})
    assert shown["document"]["birth_date"] == "-800000"


def test_bytes_read_as_base64(registry) -> None:
    from hub.domain.reasons import refuse
    from hub.services.rejections import Source, rejection_value

    value = rejection_value(refuse("OTHER", "internal", value="X"), Source("t", 0, 1), b"\x00\xff", None, 0)
    shown = readable(registry, "Rejection", value)
    assert shown["original"] == "AP8=" and shown["rejected_at"] == "1970-01-01T00:00:00Z"
