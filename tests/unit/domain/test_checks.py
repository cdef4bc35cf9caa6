"""Answers to checks and delayed hits, without a broker."""

from __future__ import annotations

from hub.domain.catalog import Catalog
from hub.domain.checks import answer_check
from hub.domain.matching.index import MatchIndex
from hub.domain.matching.recent import DAY_MS, RecentChecks
from tests.samples import CHECK_REQUEST, NOW_MS, PERSON, REGISTER_RECORD

RECORD = {**REGISTER_RECORD, "document": {**PERSON, "surname": "Seitkaliev"}, "enrolled_by_unit": "KZ-75-CP",
          "owner_unit": "KZ-75-CP"}


def answer(request: dict, record: dict):
    index = MatchIndex()
    index.put(record)
    matches = index.search(request["subject"], person=True)
    return answer_check(request, matches, {m.record_id: index.state_of(m.record_id) for m in matches}, NOW_MS + 5)


def test_a_hit_is_answered_to_the_requester_and_told_to_the_enrolling_unit():
    done = answer(CHECK_REQUEST, RECORD)
    assert done.result["outcome"] == "HIT" and done.result["hits"][0]["disclosure"] == "FULL"
    to_requester, to_owner = done.notifications
    assert to_requester["recipient_unit"] == "KZ-71-CP" and to_requester["kind"] == "WRITTEN_ANSWER"
    assert "71-12/3456" in to_requester["text_ru"] and "2023-12-09" in to_requester["text_kk"]  # cites the request
    assert to_owner["recipient_unit"] == "KZ-75-CP" and to_owner["kind"] == "RECORD_CHECKED"
    assert "710042" in to_owner["text_en"] and CHECK_REQUEST["purpose"] in to_owner["text_ru"]
    assert done.audit["hit_record_ids"] == [RECORD["record_id"]] and done.audit["outcome"] == "HIT"
    assert all(n["text_kk"] and n["text_ru"] and n["text_en"] for n in done.notifications)


def test_a_restricted_record_is_only_said_to_exist_and_its_unit_is_told():
    done = answer({**CHECK_REQUEST, "clearance": "OPEN"}, RECORD)  # the record is OFFICIAL_USE
    [hit] = done.result["hits"]
    assert hit["disclosure"] == "RESTRICTED" and hit["document"] is None and hit["contact_unit"] == "KZ-75-CP"
    assert done.notifications[1]["kind"] == "RESTRICTED_RECORD_ASKED"
    assert done.audit["restricted_record_ids"] == [RECORD["record_id"]] and done.audit["hit_record_ids"] == []


def test_no_hit_is_answered_and_audited_too():
    done = answer({**CHECK_REQUEST, "channel": "ONLINE", "subject": {**CHECK_REQUEST["subject"], "surname": "Ким",
                                                                     "given_name": "Сергей"}}, RECORD)
    assert done.result["outcome"] == "NO_HIT" and done.result["hits"] == []
    assert [n["kind"] for n in done.notifications] == ["CHECK_RESULT"] and done.audit["outcome"] == "NO_HIT"


def test_a_record_enrolled_within_the_window_after_a_check_is_a_delayed_hit():
    recent = RecentChecks(keep_days=30)
    recent.add(CHECK_REQUEST, person=True)
    soon = {**RECORD, "enrolled_at": CHECK_REQUEST["requested_at"] + 2 * DAY_MS}
    [(request, match)] = recent.matched_by(soon, window_days=5)
    assert request["check_id"] == CHECK_REQUEST["check_id"] and match.outcome == "HIT"
    assert recent.matched_by({**soon, "enrolled_at": CHECK_REQUEST["requested_at"] + 6 * DAY_MS}, 5) == []
    assert recent.matched_by({**soon, "enrolled_at": CHECK_REQUEST["requested_at"] - 1}, 5) == []  # before it
    assert recent.matched_by(soon, window_days=0) == []
    other = {**soon, "document": {**PERSON, "surname": "Ким", "given_name": "Сергей", "iin": None}}
    assert recent.matched_by(other, 5) == []
    assert recent.prune(CHECK_REQUEST["requested_at"] + 31 * DAY_MS) == 1 and len(recent) == 0
    assert recent._by_key == {}  # nothing of a forgotten check is left behind


def test_checks_are_forgotten_oldest_first_a_few_at_a_time():
    recent = RecentChecks(keep_days=30)
    start = CHECK_REQUEST["requested_at"]
    for n in range(3):
        recent.add({**CHECK_REQUEST, "check_id": f"chk-{n}", "requested_at": start + n * DAY_MS}, person=True)
    assert recent.prune(start + 30 * DAY_MS + 1, limit=5) == 1  # only the first is past the window
    assert recent.prune(start + 32 * DAY_MS + 1, limit=1) == 1 and len(recent) == 1
    soon = {**RECORD, "enrolled_at": start + 3 * DAY_MS}
    assert [request["check_id"] for request, _ in recent.matched_by(soon, window_days=5)] == ["chk-2"]
    assert recent.prune(start + 40 * DAY_MS, limit=5) == 1 and len(recent) == 0 and recent._by_key == {}


def test_checks_are_kept_only_as_long_as_the_longest_delayed_hit_window():
    catalog = Catalog()
    assert catalog.longest_delayed_hit_window_days() == 0
    for code, days_kept in (("WANTED_PERSON", 5), ("STOLEN_VEHICLE", None), ("CRIME", 0)):
        catalog.put_passport({"code": code, "version": 1, "delayed_hit_window_days": days_kept})
    assert catalog.longest_delayed_hit_window_days() == 5
    recent = RecentChecks(keep_days=30)
    recent.add(CHECK_REQUEST, person=True)
    assert recent.prune(CHECK_REQUEST["requested_at"] + 6 * DAY_MS + 1, limit=10) == 0
    recent.keep_for_days(catalog.longest_delayed_hit_window_days() + 1)  # a passport changed while it ran
    assert recent.prune(CHECK_REQUEST["requested_at"] + 6 * DAY_MS + 1, limit=10) == 1
