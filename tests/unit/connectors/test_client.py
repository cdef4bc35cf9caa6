"""The regional client's builders, version book and checks, without a broker."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from pydantic import ValidationError

from connectors.client import (
    Correction,
    Enrolment,
    MemoryVersions,
    Prepared,
    RegionalClient,
    Removal,
    SqliteVersions,
    from_event,
    stable_event_id,
)
from hub.errors import InvalidEventError
from hub.settings import HubSettings
from tests.samples import EVENT, NOW_MS, PERSON

WHEN = datetime.fromtimestamp(NOW_MS / 1000, tz=timezone.utc)
COMMON = dict(record_type="WANTED_PERSON", unit="KZ-75-CP", officer="750123", occurred_at=WHEN)


def enrolment(record_id: str = EVENT["record_id"], **overrides) -> Enrolment:
    fields = {**COMMON, "ground": "WANTED_HIDING_FROM_INVESTIGATION", "document": PERSON, **overrides}
    return Enrolment(record_id=record_id, **fields)


def correction(record_id: str = EVENT["record_id"], **overrides) -> Correction:
    return Correction(record_id=record_id, **{**COMMON, "ground": "DATA_CLARIFIED", "document": PERSON, **overrides})


def removal(record_id: str = EVENT["record_id"], **overrides) -> Removal:
    return Removal(record_id=record_id, **{**COMMON, "ground": "PERSON_DETAINED", **overrides})


@pytest.fixture()
def client(codec, catalog) -> RegionalClient:
    return RegionalClient(HubSettings(), "KZ-75", codec, catalog, clock_ms=lambda: NOW_MS + 1000)


def test_builders_make_record_events_the_codec_accepts(codec):
    event = enrolment(document={**PERSON, "birth_date": date(1985, 3, 12)}).to_event(1)
    assert event["document"]["birth_date"] == (date(1985, 3, 12) - date(1970, 1, 1)).days
    assert event["occurred_at"] == NOW_MS and event["region"] == "KZ-75" and event["version"] == 1
    assert codec.decode(codec.encode("RecordEvent", event)).value == event


def test_builders_refuse_malformed_input_before_anything_else():
    with pytest.raises(ValidationError, match="region code"):
        enrolment(record_id="XX-75-WANTED_PERSON-1")
    with pytest.raises(ValidationError):
        Enrolment(record_id=EVENT["record_id"], ground="x y", document=PERSON, **COMMON)
    with pytest.raises(ValidationError):
        Removal(record_id=EVENT["record_id"], ground="PERSON_DETAINED", document=PERSON, **COMMON)


def test_versions_follow_enrol_correct_remove_within_one_call(client):
    results = client.check([enrolment(), correction(), correction(), removal()])
    assert [r.version for r in results] == [1, 2, 3, 4]
    refused = client.check([enrolment(), removal(), correction()])
    assert isinstance(refused[2], InvalidEventError) and refused[2].reason == "NOT_LIVE"


def test_confirmed_versions_carry_over_and_wrong_versions_are_refused(client):
    client.versions.confirm({EVENT["record_id"]: (2, True)})
    again = client.check([enrolment(), correction(version=5), correction()])
    assert again[0].reason == "ALREADY_ENROLLED"
    assert again[1].reason == "VERSION_GAP" and "3 expected" in again[1].sentences["en"]
    assert again[2].version == 3


def test_unknown_record_needs_its_version(client):
    [unknown] = client.check([correction()])
    assert unknown.reason == "VERSION_GAP" and unknown.field == "version"
    [given] = client.check([correction(version=7)])
    assert isinstance(given, Prepared) and given.version == 7


def test_the_hub_rules_are_checked_with_sentences_in_three_languages(client):
    bad_iin = enrolment(document={**PERSON, "iin": PERSON["iin"][:-1] + str((int(PERSON["iin"][-1]) + 1) % 10)})
    other_region = enrolment(record_id="KZ-71-WANTED_PERSON-00000001", unit="KZ-71-CP")
    wrong_ground = enrolment(ground="VEHICLE_THEFT_REPORTED")
    results = client.check([bad_iin, other_region, wrong_ground])
    assert [r.reason for r in results] == ["INVALID_FIELD", "REGION_MISMATCH", "INVALID_GROUND"]
    assert [r.position for r in results] == [0, 1, 2]
    assert all(set(r.sentences) == {"kk", "ru", "en"} for r in results)


def test_send_many_raises_before_sending_anything(client):
    sent = []
    client._send_chunk = lambda *args: sent.append(args)  # would fail the test if reached
    import asyncio
    with pytest.raises(InvalidEventError) as caught:
        asyncio.run(client.send_many([enrolment(), enrolment(record_id="KZ-75-WANTED_PERSON-2", unit="nobody")]))
    assert caught.value.reason == "UNKNOWN_UNIT" and caught.value.position == 1 and sent == []


def test_outbox_rows_round_trip_through_the_builders():
    event = {**EVENT, "version": 3, "action": "CORRECT", "ground": "DATA_CLARIFIED"}
    assert from_event(event).to_event(3) == event
    assert stable_event_id("outbox", 42) == stable_event_id("outbox", 42) != stable_event_id("outbox", 43)


def test_sqlite_versions_survive_reopening(tmp_path):
    book = SqliteVersions(tmp_path / "v.db")
    book.confirm({"KZ-75-A-1": (2, True), "KZ-75-A-2": (1, False)})
    book.confirm({"KZ-75-A-1": (1, True)})  # an older confirmation never moves a record back
    book.close()
    again = SqliteVersions(tmp_path / "v.db")
    assert again.known("KZ-75-A-1") == (2, True) and again.known("KZ-75-A-2") == (1, False)
    assert again.known("KZ-75-A-3") is None and MemoryVersions().known("KZ-75-A-1") is None
