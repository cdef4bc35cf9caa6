"""Every reason an officer reads is wholly in Kazakh, wholly in Russian and wholly in English (issue 21 item 3)."""

from __future__ import annotations

import copy
import json
import re
import string
from pathlib import Path

import pytest

from connectors.client.prepare import Preparer
from connectors.importer.mapping import Mapping, RowError, event_value_of
from hub.codec.single_object import MARKER
from hub.domain.catalog import Catalog
from hub.domain.intake import take_check
from hub.domain.limits import out_of_range
from hub.domain.reasons import REASON_CODES, TEXTS, Refusal, refuse
from hub.domain.register import DAY_MS, apply_event
from hub.domain.validation import check_event
from hub.domain.wording import PHRASES
from hub.errors import CodecError, InvalidEventError
from hub.services.rejections import refusal_of
from tests.samples import EVENT, NOW_MS, PERSON, THING

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas" / "avro"
INPUTS = ("RecordEvent", "RecordEventBatch", "CheckRequest", "ReconciliationManifest")
# A code is upper case, digits, dashes and underscores (HIT, KZ-75, IMEI, C3); anything else in Latin
# letters is a foreign word in a Kazakh or Russian sentence.
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]*")
CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]*$")
PYTHON_WORDS = re.compile(r"\b(None|True|False|NoneType|Traceback|[A-Za-z]*Error|invalid literal|object at 0x)\b|"
                          r"\ba (int|str|dict|list|tuple)\b|[a-z]+_[a-z_]+|[A-Z][a-z]+[A-Z]\w*|\(\)|\{|\}|=")


def foreign_words(text: str) -> list[str]:
    """Return the Latin words of a Kazakh or Russian text that are not codes."""
    return [w for w in LATIN_WORD.findall(text) if not CODE.match(w)]


def without_values(text: str, refusal: Refusal) -> str:
    """Return a sentence with the refusal's own values (what the sender wrote) taken out."""
    for _, value in sorted(refusal.values, key=lambda kv: -len(str(kv[1]))):
        for part in (value if isinstance(value, (list, tuple)) else [value]):
            if part not in ("", None) and not isinstance(part, list):
                text = text.replace(str(part), " ")
    return text


def assert_readable(refusal: Refusal) -> None:
    """Fail unless each language's sentence is wholly in that language, with no Python words."""
    texts = refusal.sentences()
    for lang in ("kk", "ru"):
        rest = without_values(texts[lang], refusal)
        assert not foreign_words(rest), (refusal, lang, texts[lang])
    rest = without_values(texts["en"], refusal)
    assert not PYTHON_WORDS.search(rest), (refusal, texts["en"])
    assert not re.search(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]", rest), (refusal, texts["en"])


def input_field_names() -> set[str]:
    """Return the name of every field of every input message, read from the schema files."""
    schemas = {}
    for path in SCHEMAS.glob("*.avsc"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        schemas[f"{schema['namespace']}.{schema['name']}"] = schema
    names: set[str] = set()
    seen: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, str) and node in schemas and node not in seen:
            seen.add(node)
            walk(schemas[node])
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict) and node.get("type") == "record":
            for field in node["fields"]:
                names.add(field["name"])
                walk(field["type"])
        elif isinstance(node, dict):
            walk(node.get("items") or node.get("values") or node.get("type"))
    for name in INPUTS:
        walk(f"kz.mvd.records.{name}")
    return names


def test_every_input_field_has_a_name_in_each_language() -> None:
    names = input_field_names()
    assert len(names) > 60
    for name in names:
        refusal = refuse("MISSING_FIELD", "field", f"document.{name}")
        texts = refusal.sentences()
        assert not foreign_words(texts["kk"]) and not foreign_words(texts["ru"]), (name, texts)
        assert name not in texts["en"] or "_" not in name, (name, texts["en"])


def placeholder_values(template: str) -> dict:
    """Return a value for each placeholder of a phrase: digits, a field path, an action, a format."""
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    special = {"fields": ["birth_date", "surname"], "action": "CORRECT", "format": "IIN", "field": "document.iin"}
    return {name: special.get(name, "7") for name in fields}


@pytest.mark.parametrize("code", REASON_CODES)
@pytest.mark.parametrize("says", sorted(PHRASES))
def test_every_phrase_reads_in_each_language_under_every_code(code: str, says: str) -> None:
    values = placeholder_values(PHRASES[says][0] + PHRASES[says][1] + PHRASES[says][2])
    field = values.pop("field", "document.birth_date")
    assert_readable(refuse(code, says, field, **values))


def produced_refusals(catalog: Catalog, codec) -> list[Refusal]:
    """Return the refusals the hub's own rules give a collection of bad inputs."""
    bad = [{**EVENT, **change} for change in (
        {"record_type": "UFO_SIGHTING"}, {"record_type": "COMPOSITE_PORTRAIT"}, {"region": "KZ-71"},
        {"record_id": "X-1"}, {"unit": "KZ-75-NOPE"}, {"unit": "KZ-71-CP"}, {"unit": "KZ-75-MIG"},
        {"ground": "PERSON_DETAINED"}, {"document": None}, {"document": THING},
        {"document": {**PERSON, "surname": ""}}, {"document": {**PERSON, "iin": "910716444884"}},
        {"document": {**PERSON, "birth_date": -800_000}}, {"document": {**PERSON, "surname": "Ж" * 5000}},
        {"occurred_at": NOW_MS + 400 * DAY_MS})]
    found = [check_event(event, "KZ-75", catalog, NOW_MS) for event in bad]
    inactive = copy.deepcopy(catalog)
    inactive.put_passport({**inactive.passport(EVENT["record_type"]), "version": 99, "active": False})
    found.append(check_event(EVENT, "KZ-75", inactive, NOW_MS))
    passport = catalog.passport(EVENT["record_type"])
    state = apply_event(None, EVENT, passport, NOW_MS).state
    found += [apply_event(state, {**EVENT, "event_id": "e2", "version": 2}, passport, NOW_MS).refusal,
              apply_event(state, {**EVENT, "event_id": "e3", "action": "CORRECT", "version": 5}, passport,
                          NOW_MS).refusal,
              apply_event(None, {**EVENT, "action": "CORRECT", "version": 2}, passport, NOW_MS).refusal,
              apply_event(None, {**EVENT, "valid_until": NOW_MS - DAY_MS}, passport, NOW_MS).refusal]
    request = {"check_id": "c1", "requester_unit": "KZ-75-CP", "clearance": "OPEN", "requested_at": NOW_MS}
    found += [take_check({**request, "requester_unit": "NOPE"}, "KZ-75", catalog, NOW_MS).refusal,
              take_check(request, "KZ-71", catalog, NOW_MS).refusal,
              out_of_range({**request, "requested_at": NOW_MS + 900 * DAY_MS}, NOW_MS)]
    for message in (b"\x00\x01", MARKER + b"\x00" * 8 + b"\x01", MARKER + codec.registry.schema(
            "RecordEvent").fingerprint + b"\xff\xff\xff"):
        with pytest.raises(CodecError) as caught:
            codec.decode(message)
        found.append(refusal_of(caught.value))
    preparer = Preparer("KZ-75", codec, catalog, 3)
    wrong_type = preparer.prepare({**EVENT, "version": "екі мың он"}, NOW_MS)
    assert isinstance(wrong_type, InvalidEventError) and wrong_type.field == "version", wrong_type
    mapping = Mapping.from_dict({"record_id": {"column": "id"}, "unit": {"value": "KZ-75-CP"},
                                 "officer": {"value": "o"}, "ground": {"value": "g"},
                                 "occurred_at": {"column": "at", "type": "datetime"},
                                 "document": {"birth_date": {"column": "born", "type": "date"}}}, "test")
    for row in ({"id": "KZ-75-1", "at": "01.01.2020 10:00", "born": "31.02.1990"},
                {"id": "KZ-75-1", "at": "вчера", "born": ""}, {"id": "1", "at": "01.01.2020 10:00", "born": ""}):
        with pytest.raises(RowError) as row_error:
            event_value_of(row, 1, mapping, "WANTED_PERSON", "KZ-75", "e")
        found.append(row_error.value.refusal)
    return [refusal for refusal in found if refusal is not None]


def test_the_rules_own_refusals_read_in_each_language(catalog: Catalog, codec) -> None:
    refusals = produced_refusals(catalog, codec)
    assert len(refusals) >= 28
    for refusal in refusals:
        assert_readable(refusal)
    # the reasons an officer meets from the rules of events, checks and codecs
    produced = {refusal.code for refusal in refusals}
    assert produced >= set(REASON_CODES) - {"MISPARTITIONED", "OTHER"}, set(REASON_CODES) - produced


def test_every_code_has_three_headlines() -> None:
    for code, texts in TEXTS.items():
        assert len(texts) == 3 and not foreign_words(texts[0]) and not foreign_words(texts[1]), code
