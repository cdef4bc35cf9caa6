"""Every passport rule of the aggregator (items 9.2-9.12), without a broker."""

from __future__ import annotations

import copy

import pytest

from hub.domain.catalog import Catalog
from hub.domain.reasons import REASON_CODES, refuse
from hub.domain.register import DAY_MS, apply_event, due_action, expire, purge
from hub.domain.validation import check_event
from tests.samples import EVENT, FACT, NOW_MS, PERSON, THING

NOW = NOW_MS + 1000
BAD_IIN = PERSON["iin"][:11] + str((int(PERSON["iin"][11]) + 1) % 10)  # the check digit is unique


def refusal(event: dict, catalog: Catalog, topic_region: str = "KZ-75") -> str | None:
    found = check_event(event, topic_region, catalog, NOW)
    return found.code if found else None


def test_a_valid_enrolment_passes(catalog: Catalog) -> None:
    assert refusal(EVENT, catalog) is None


@pytest.mark.parametrize("change,code", [
    ({"record_type": "UFO_SIGHTING"}, "UNKNOWN_TYPE"),
    ({"record_type": "COMPOSITE_PORTRAIT"}, "REGIONAL_ONLY_TYPE"),
    ({"region": "KZ-71"}, "REGION_MISMATCH"),
    ({"record_id": "KZ-71-WANTED_PERSON-1", "region": "KZ-71"}, "REGION_MISMATCH"),
    ({"record_id": "X-1"}, "INVALID_FIELD"),
    ({"unit": "KZ-75-NOPE"}, "UNKNOWN_UNIT"),
    ({"unit": "KZ-71-CP"}, "REGION_MISMATCH"),
    ({"unit": "KZ-75-MIG"}, "UNIT_NOT_AUTHORISED"),
    ({"ground": "PERSON_DETAINED"}, "INVALID_GROUND"),
    ({"ground": "VEHICLE_THEFT_REPORTED"}, "INVALID_GROUND"),
    ({"document": None}, "MISSING_FIELD"),
    ({"document": THING}, "WRONG_DOCUMENT_KIND"),
    ({"document": {**PERSON, "surname": ""}}, "MISSING_FIELD"),
    ({"document": {**PERSON, "birth_date": None}}, "MISSING_FIELD"),
    ({"document": {**PERSON, "iin": BAD_IIN}}, "INVALID_FIELD"),
    ({"document": {**PERSON, "birth_date": NOW // DAY_MS + 10}}, "INVALID_FIELD"),
])
def test_each_rule_refuses_with_its_code(catalog: Catalog, change: dict, code: str) -> None:
    assert refusal({**EVENT, **change}, catalog) == code


def test_topic_region_must_agree(catalog: Catalog) -> None:
    assert refusal(EVENT, catalog, topic_region="KZ-71") == "REGION_MISMATCH"


def test_inactive_type_and_ground_are_refused_after_a_live_change(catalog: Catalog) -> None:
    local = copy.deepcopy(catalog)
    local.put_passport({**local.passport("WANTED_PERSON"), "version": 2, "active": False})
    assert refusal(EVENT, local) == "INACTIVE_TYPE"
    local = copy.deepcopy(catalog)
    ground = local.entries[("GROUND", EVENT["ground"])]
    local.put_entry({**ground, "version": 2, "active": False})
    assert refusal(EVENT, local) == "INVALID_GROUND"


def test_an_older_passport_version_does_not_replace_a_newer_one(catalog: Catalog) -> None:
    local = copy.deepcopy(catalog)
    newer = {**local.passport("WANTED_PERSON"), "version": 5, "active": False}
    assert local.put_passport(newer)
    assert not local.put_passport({**newer, "version": 4, "active": True})
    assert local.passport("WANTED_PERSON")["active"] is False


def test_thing_and_fact_formats(catalog: Catalog) -> None:
    vehicle = {**EVENT, "record_id": "KZ-75-STOLEN_VEHICLE-1", "record_type": "STOLEN_VEHICLE",
               "ground": "VEHICLE_THEFT_REPORTED", "document": THING}
    assert refusal(vehicle, catalog) is None
    assert refusal({**vehicle, "document": {**THING, "vin": "SHORT"}}, catalog) == "INVALID_FIELD"
    assert refusal({**vehicle, "document": {**THING, "plate": "12"}}, catalog) == "INVALID_FIELD"
    assert refusal({**vehicle, "document": {**THING, "thing_kind": "PHONE"}}, catalog) == "INVALID_FIELD"
    fact = {**EVENT, "record_id": "KZ-75-CRIMINAL_OFFENCE-1", "record_type": "CRIMINAL_OFFENCE",
            "unit": "KZ-75-INV", "ground": "OFFENCE_REGISTERED", "document": FACT}
    assert refusal(fact, catalog) is None
    assert refusal({**fact, "document": {**FACT, "registration_number": "12"}}, catalog) == "INVALID_FIELD"


def test_every_reason_has_three_sentences() -> None:
    for code in REASON_CODES:
        texts = refuse(code, "value", value="X-1").sentences()
        assert set(texts) == {"kk", "ru", "en"} and all("X-1" in t for t in texts.values())
    with pytest.raises(ValueError):
        refuse("NO_SUCH_CODE")


def _passport(catalog: Catalog, code: str = "WANTED_PERSON") -> dict:
    return catalog.passport(code)


def test_versions_enrol_correct_remove(catalog: Catalog) -> None:
    passport = _passport(catalog)
    enrolled = apply_event(None, EVENT, passport, NOW)
    assert enrolled.outcome == "applied" and enrolled.state["version"] == 1
    assert enrolled.state["confidentiality"] == "OFFICIAL_USE" and enrolled.state["enrolled_by_unit"] == "KZ-75-CP"
    correct = {**EVENT, "event_id": "e2", "action": "CORRECT", "version": 2, "ground": "DATA_CLARIFIED"}
    corrected = apply_event(enrolled.state, correct, passport, NOW)
    assert corrected.outcome == "applied" and corrected.state["version"] == 2
    assert apply_event(corrected.state, correct, passport, NOW).outcome == "duplicate"
    assert apply_event(corrected.state, EVENT, passport, NOW).outcome == "duplicate"
    gap = apply_event(corrected.state, {**correct, "event_id": "e4", "version": 4}, passport, NOW)
    assert gap.refusal.code == "VERSION_GAP"
    remove = {**EVENT, "event_id": "e3", "action": "REMOVE", "version": 3, "ground": "PERSON_DETAINED",
              "document": None}
    gone = apply_event(corrected.state, remove, passport, NOW)
    assert gone.state["status"] == "REMOVED" and gone.state["purge_after"] == EVENT["occurred_at"] + 1825 * DAY_MS
    after = apply_event(gone.state, {**correct, "event_id": "e5", "version": 4}, passport, NOW)
    assert after.refusal.code == "NOT_LIVE"


def test_enrol_needs_version_one_and_correct_needs_a_live_record(catalog: Catalog) -> None:
    passport = _passport(catalog)
    assert apply_event(None, {**EVENT, "version": 2}, passport, NOW).refusal.code == "VERSION_GAP"
    correct = {**EVENT, "action": "CORRECT", "version": 2}
    assert apply_event(None, correct, passport, NOW).refusal.code == "NOT_LIVE"
    state = apply_event(None, EVENT, passport, NOW).state
    again = apply_event(state, {**EVENT, "event_id": "other", "version": 2}, passport, NOW)
    assert again.refusal.code == "ALREADY_ENROLLED"


def test_change_ids_are_deterministic(catalog: Catalog) -> None:
    first = apply_event(None, EVENT, _passport(catalog), NOW)
    second = apply_event(None, EVENT, _passport(catalog), NOW + 5000)
    assert first.change["change_id"] == second.change["change_id"]


def test_time_limited_enrolment_expires_and_is_purged_with_a_controlled_clock(catalog: Catalog) -> None:
    passport = _passport(catalog, "SUPERVISED_PERSON")
    event = {**EVENT, "record_id": "KZ-75-SUPERVISED_PERSON-1", "record_type": "SUPERVISED_PERSON",
             "unit": "KZ-75-AP", "ground": "COURT_SUPERVISION_ORDER"}
    state = apply_event(None, event, passport, NOW).state
    assert state["valid_until"] == EVENT["occurred_at"] + 365 * DAY_MS
    clock = state["valid_until"] - 1
    assert due_action(state, clock) is None
    clock += 1
    assert due_action(state, clock) == "EXPIRE"
    expired = expire(state, passport, clock)
    assert expired.change["kind"] == "EXPIRED" and expired.change["ground"] == "TERM_EXPIRED"
    assert expired.state["status"] == "REMOVED" and expired.state["version"] == 2
    assert due_action(expired.state, clock) is None
    clock = expired.state["purge_after"]
    assert due_action(expired.state, clock) == "PURGE"
    assert purge(expired.state, clock)["state"] is None


def test_enrolment_whose_term_already_ended_is_refused(catalog: Catalog) -> None:
    passport = _passport(catalog, "SUPERVISED_PERSON")
    event = {**EVENT, "record_type": "SUPERVISED_PERSON", "valid_until": NOW - 1}
    assert apply_event(None, event, passport, NOW).refusal.code == "EXPIRED_TERM"
