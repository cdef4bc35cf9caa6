"""Card-file mappings: columns, constants, templates, dates and code maps to an enrolment (no broker)."""

from __future__ import annotations

import uuid

import pytest

from connectors.client.events import EVENT_NAMESPACE, stable_event_id
from connectors.importer.mapping import Mapping, RowError, event_value_of
from hub.errors import ConfigurationError
from hub.settings import REPO_ROOT

EVENT_ID = "0b9f3f64-9a39-5b8e-8d1c-2f1f0c3e7a11"
SAMPLES = REPO_ROOT / "tests" / "data" / "import"
ROW = {"№ карточки": "202600001", "Фамилия": "Ким", "Имя": "Сауле", "Отчество": "", "Дата рождения": "03.12.1982",
       "Пол": "Ж", "ИИН": "821203454230", "Удостоверение личности №": "", "Дата постановки": "23.07.2026 11:00",
       "Основание": "Побег из-под стражи", "Подразделение": "УКП ДП г. Алматы", "Сотрудник": "755035",
       "Особые приметы": "шрам"}


@pytest.fixture(scope="module")
def mapping() -> Mapping:
    return Mapping.load(SAMPLES / "rozysk_kz75.yaml")


def test_a_row_becomes_an_enrolment(mapping):
    event = event_value_of(ROW, 1, mapping, "WANTED_PERSON", "KZ-75", EVENT_ID)
    assert event["record_id"] == "KZ-75-WANTED_PERSON-202600001" and event["unit"] == "KZ-75-CP"
    assert event["ground"] == "WANTED_ESCAPED_CUSTODY" and event["source_sequence"] == 1
    assert event["document"]["sex"] == "FEMALE" and event["document"]["patronymic"] is None
    assert event["document"]["birth_date"] == 4719  # 1982-12-03 in epoch days
    assert event["document"]["identity_documents"] == []  # no number: no document
    assert event["occurred_at"] == 1784804400000  # 2026-07-23 11:00 UTC


def test_the_same_row_of_the_same_file_gets_the_same_event_id(mapping):
    first = stable_event_id("import", "sha", 1)
    assert event_value_of(ROW, 1, mapping, "WANTED_PERSON", "KZ-75", first)["event_id"] == first
    assert first == stable_event_id("import", "sha", 1) == str(uuid.uuid5(EVENT_NAMESPACE, "import|sha|1"))
    assert first != stable_event_id("import", "sha", 2) != stable_event_id("import", "other", 1)


@pytest.mark.parametrize("column, value, reason, field", [
    ("Дата рождения", "31.02.1990", "INVALID_FIELD", "document.birth_date"),
    ("Пол", "X", "INVALID_FIELD", "document.sex"),
    ("Основание", "Розыск по линии Интерпола", "INVALID_FIELD", "ground"),
    ("Сотрудник", "", "MISSING_FIELD", "officer"),
])
def test_bad_cells_name_the_field_and_reason(mapping, column, value, reason, field):
    with pytest.raises(RowError) as caught:
        event_value_of({**ROW, column: value}, 5, mapping, "WANTED_PERSON", "KZ-75", EVENT_ID)
    assert (caught.value.refusal.code, caught.value.refusal.field) == (reason, field)


def test_a_record_id_without_a_region_is_refused(mapping):
    with pytest.raises(RowError) as caught:
        event_value_of(ROW, 1, mapping, "WANTED_PERSON", "XX-99", EVENT_ID)
    assert (caught.value.refusal.code, caught.value.refusal.field) == ("INVALID_FIELD", "record_id")


def test_an_instant_read_as_text_is_refused(mapping):
    as_text = Mapping.from_dict({**mapping.fields, "occurred_at": {"column": "Дата постановки"},
                                 "document": mapping.document})
    with pytest.raises(RowError) as caught:
        event_value_of(ROW, 1, as_text, "WANTED_PERSON", "KZ-75", EVENT_ID)
    assert (caught.value.refusal.code, caught.value.refusal.field) == ("INVALID_FIELD", "occurred_at")


def test_mappings_are_checked_when_loaded(mapping):
    assert {"Фамилия", "№ карточки", "Удостоверение личности №"} <= mapping.columns()
    with pytest.raises(ConfigurationError, match="no rule for"):
        Mapping.from_dict({"document": {}})
    with pytest.raises(ConfigurationError, match="unknown fields"):
        Mapping.from_dict({**{k: {"value": 1} for k in ("record_id", "unit", "officer", "ground", "occurred_at")},
                           "document": {}, "colour": {}})
