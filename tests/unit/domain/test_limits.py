"""The sane range of every value: refused at the aggregator's rules, the client and the matcher's intake (no broker)."""

from __future__ import annotations

from datetime import date, timedelta

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.cli.checks import request_of
from hub.domain.catalog import Catalog
from hub.domain.intake import take_check
from hub.domain.limits import out_of_range
from hub.domain.validation import check_event
from tests.samples import CHECK_REQUEST, EVENT, NOW_MS, PERSON, SAMPLES

# The oracle's own calendar, written apart from hub.domain.limits.
TODAY = date(1970, 1, 1) + timedelta(days=NOW_MS // 86_400_000)
FIRST_ALLOWED = date(1900, 1, 1)


def epoch_days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def event_with(**person) -> dict:
    return {**EVENT, "document": {**PERSON, **person}}


def test_every_sample_message_is_within_its_limits() -> None:
    for name, values in SAMPLES.items():
        for value in values if isinstance(values, list) else [values]:
            assert out_of_range(value, NOW_MS) is None, name


@pytest.mark.parametrize("birth, allowed", [
    (FIRST_ALLOWED, True), (FIRST_ALLOWED - timedelta(days=1), False), (TODAY, True),
    (TODAY + timedelta(days=3), False), (date(1, 1, 1), False)])
def test_birth_dates_between_1900_and_today(birth: date, allowed: bool) -> None:
    refusal = out_of_range(event_with(birth_date=epoch_days(birth)), NOW_MS)
    assert (refusal is None) == allowed
    if not allowed:
        assert refusal.code == "INVALID_FIELD" and refusal.field == "document.birth_date"
        assert "1900-01-01" in refusal.sentences()["en"] and refusal.sentences()["kk"] != refusal.sentences()["ru"]


def test_a_date_before_year_one_is_refused_by_the_aggregators_rules_before_any_arithmetic() -> None:
    catalog = Catalog()
    refusal = check_event(event_with(birth_date=-800_000), "KZ-75", catalog, NOW_MS)
    assert refusal is not None and refusal.code == "INVALID_FIELD" and refusal.field == "document.birth_date"


@given(st.integers(min_value=-(2 ** 31), max_value=2 ** 31 - 1))
def test_any_birth_date_is_refused_exactly_when_out_of_range(days: int) -> None:
    low, high = epoch_days(FIRST_ALLOWED), epoch_days(TODAY) + 1
    refusal = out_of_range(event_with(birth_date=days), NOW_MS)
    assert (refusal is None) == (low <= days <= high)


@pytest.mark.parametrize("field, value", [
    ("surname", "А" * 201), ("identity_documents", [PERSON["identity_documents"][0]] * 21),
    ("special_marks", "x" * 8_001), ("birth_year", 1899)])
def test_long_texts_long_lists_and_odd_numbers_are_refused(field: str, value) -> None:
    refusal = out_of_range(event_with(**{field: value}), NOW_MS)
    assert refusal is not None and refusal.field == f"document.{field}"


def test_the_same_values_at_their_limits_pass() -> None:
    assert out_of_range(event_with(surname="А" * 200, birth_year=1900), NOW_MS) is None


def test_an_event_from_the_future_is_refused_but_a_long_term_is_not() -> None:
    assert out_of_range({**EVENT, "occurred_at": NOW_MS + 2 * 86_400_000}, NOW_MS).field == "occurred_at"
    assert out_of_range({**EVENT, "valid_until": NOW_MS + 20 * 365 * 86_400_000}, NOW_MS) is None


def test_the_matchers_intake_refuses_a_request_out_of_range_after_its_identity() -> None:
    catalog = Catalog()
    catalog.put_entry({"book": "UNIT", "code": "KZ-75-CP", "version": 1, "active": True, "name_kk": "x",
                       "name_ru": "x", "name_en": "x",
                       "attributes": {"region": "KZ-75", "clearance": "SECRET", "kinds": "CRIMINAL_POLICE"}})
    subject = {**CHECK_REQUEST["subject"], "birth_date": -800_000}
    request = {**CHECK_REQUEST, "requester_unit": "KZ-75-CP", "subject": subject}
    intake = take_check(request, "KZ-75", catalog, NOW_MS)
    assert intake.refusal is not None and intake.refusal.code == "INVALID_FIELD"
    assert take_check(request, "KZ-71", catalog, NOW_MS).refusal.code == "REGION_MISMATCH"


def test_the_client_refuses_to_send_a_request_out_of_range() -> None:
    options = {"unit": "KZ-75-CP", "officer": "1", "clearance": "OPEN", "purpose": "p", "legal_ground": "g"}
    with pytest.raises(click.UsageError, match="INVALID_FIELD"):
        request_of("kz.mvd.records.PersonSubject", {"surname": "Омаров", "birth_date": -800_000}, options)
    assert request_of("kz.mvd.records.PersonSubject", {"surname": "Омаров"}, options)["subject"][1]["surname"]
