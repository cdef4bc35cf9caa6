"""Who may ask a check and with what clearance: the topic's region and the units book decide (no broker)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.catalog import Catalog
from hub.domain.checks import answer_check, refuse_check
from hub.domain.intake import take_check
from hub.domain.matching.index import Match
from tests.samples import CHECK_REQUEST, NOW_MS, PERSON, REGISTER_RECORD

# The oracle's own order of levels, written apart from hub.domain.matching.disclosure.
RANK = {"OPEN": 0, "OFFICIAL_USE": 1, "SECRET": 2, "TOP_SECRET": 3}
BOOK = {"KZ-75-CP": ("KZ-75", "SECRET"), "KZ-75-AP": ("KZ-75", "OFFICIAL_USE"), "KZ-71-CP": ("KZ-71", "SECRET"),
        "MVD-DKP": ("KZ", "TOP_SECRET"), "MVD-DIT": ("KZ", "OFFICIAL_USE")}


def unit_entry(code: str, region: str, clearance: str, active: bool = True, version: int = 1) -> dict:
    return {"book": "UNIT", "code": code, "version": version, "active": active, "name_kk": code, "name_ru": code,
            "name_en": code, "attributes": {"region": region, "clearance": clearance, "kinds": "CRIMINAL_POLICE"}}


def book_catalog() -> Catalog:
    catalog = Catalog()
    for code, (region, clearance) in BOOK.items():
        catalog.put_entry(unit_entry(code, region, clearance))
    catalog.put_entry(unit_entry("KZ-75-OLD", "KZ-75", "TOP_SECRET", active=False))
    return catalog


def request(unit: str, clearance: str) -> dict:
    return {**CHECK_REQUEST, "requester_unit": unit, "clearance": clearance}


def test_a_unit_of_the_topics_region_is_taken_with_its_own_clearance_or_less():
    catalog = book_catalog()
    assert take_check(request("KZ-75-AP", "TOP_SECRET"), "KZ-75", catalog, NOW_MS).clearance == "OFFICIAL_USE"
    assert take_check(request("KZ-75-CP", "OPEN"), "KZ-75", catalog, NOW_MS).clearance == "OPEN"  # asks for less
    assert take_check(request("MVD-DKP", "TOP_SECRET"), "KZ", catalog, NOW_MS).clearance == "TOP_SECRET"


def test_another_regions_unknown_or_closed_unit_is_refused_with_its_reason():
    catalog = book_catalog()
    foreign = take_check(request("KZ-71-CP", "SECRET"), "KZ-75", catalog, NOW_MS).refusal
    assert foreign.code == "REGION_MISMATCH" and "KZ-71" in foreign.sentences()["en"]
    assert "Регионы не совпадают" in foreign.sentences()["ru"] and foreign.sentences()["kk"]
    assert take_check(request("KZ-75-XX", "OPEN"), "KZ-75", catalog, NOW_MS).refusal.code == "UNKNOWN_UNIT"
    assert take_check(request("KZ-75-OLD", "OPEN"), "KZ-75", catalog, NOW_MS).refusal.code == "UNKNOWN_UNIT"
    assert take_check(request("MVD-DKP", "OPEN"), "KZ-75", catalog, NOW_MS).refusal.code == "REGION_MISMATCH"
    assert take_check(request("KZ-75-CP", "OPEN"), "KZ", catalog, NOW_MS).refusal.code == "REGION_MISMATCH"


def test_a_clearance_lowered_in_the_book_takes_effect_at_once():
    catalog = book_catalog()
    catalog.put_entry(unit_entry("KZ-75-CP", "KZ-75", "OPEN", version=2))
    assert take_check(request("KZ-75-CP", "SECRET"), "KZ-75", catalog, NOW_MS).clearance == "OPEN"
    catalog.put_entry(unit_entry("KZ-75-CP", "KZ-75", "OPEN", active=False, version=3))
    assert take_check(request("KZ-75-CP", "OPEN"), "KZ-75", catalog, NOW_MS).refusal.code == "UNKNOWN_UNIT"


def test_a_refusal_is_answered_on_the_channel_and_audited_without_a_hit():
    refusal = take_check(request("KZ-71-CP", "SECRET"), "KZ-75", book_catalog(), NOW_MS).refusal
    done = refuse_check(request("KZ-71-CP", "SECRET"), refusal, "hub.checks.requests.kz-75", NOW_MS)
    assert done.result["refusal"]["reason"] == "REGION_MISMATCH" and done.result["hits"] == []
    assert done.result["outcome"] == "NO_HIT" and done.notifications == []
    assert done.audit["refusal_reason"] == "REGION_MISMATCH" and done.audit["clearance_applied"] is None
    assert done.audit["source_topic"] == "hub.checks.requests.kz-75"


def test_top_secret_asked_by_an_official_use_unit_sees_a_secret_record_only_as_restricted():
    record = {**REGISTER_RECORD, "confidentiality": "SECRET", "document": PERSON}
    asked = request("KZ-75-AP", "TOP_SECRET")
    taken = take_check(asked, "KZ-75", book_catalog(), NOW_MS)
    done = answer_check(asked, [Match(record["record_id"], "HIT", 1.0, ("iin",))], {record["record_id"]: record},
                        NOW_MS, clearance=taken.clearance, source_topic="hub.checks.requests.kz-75")
    [hit] = done.result["hits"]
    assert hit["disclosure"] == "RESTRICTED" and hit["record_id"] == "RESTRICTED" and hit["document"] is None
    assert done.audit["clearance"] == "TOP_SECRET" and done.audit["clearance_applied"] == "OFFICIAL_USE"
    assert done.audit["restricted_record_ids"] == [record["record_id"]] and done.audit["hit_record_ids"] == []
    assert done.notifications[1]["kind"] == "RESTRICTED_RECORD_ASKED"


UNITS = [*BOOK, "KZ-75-OLD", "KZ-75-XX", "KZ-19-CP", "MVD-XX"]
SCOPES = ["KZ-75", "KZ-71", "KZ-19", "KZ"]


@settings(max_examples=400, deadline=None)
@given(unit=st.sampled_from(UNITS), scope=st.sampled_from(SCOPES), asked=st.sampled_from(list(RANK)),
       levels=st.lists(st.sampled_from(list(RANK)), min_size=1, max_size=4))
def test_no_unit_ever_sees_a_record_above_its_books_clearance_or_from_another_regions_channel(unit, scope, asked,
                                                                                           levels):
    records = [{**REGISTER_RECORD, "record_id": f"KZ-75-WANTED_PERSON-{n:08d}", "confidentiality": level,
                "document": PERSON} for n, level in enumerate(levels)]
    matches = [Match(r["record_id"], "HIT", 1.0, ("iin",)) for r in records]
    taken = take_check(request(unit, asked), scope, book_catalog(), NOW_MS)
    if taken.refusal is None:
        done = answer_check(request(unit, asked), matches, {r["record_id"]: r for r in records}, NOW_MS,
                            clearance=taken.clearance)
    else:
        done = refuse_check(request(unit, asked), taken.refusal, "t", NOW_MS)
    seen = {h["record_id"] for h in done.result["hits"] if h["disclosure"] == "FULL"}
    seen |= {h["record_id"] for h in done.result["hits"] if h["document"] is not None}
    known = unit in BOOK and BOOK[unit][0] == scope
    allowed = min(RANK[asked], RANK[BOOK[unit][1]]) if known else -1
    assert seen == {r["record_id"] for r in records if RANK[r["confidentiality"]] <= allowed}
    assert known or done.result["hits"] == []
