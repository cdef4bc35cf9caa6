"""Matching without a broker: name keys across alphabets, person scores, the index, and disclosure."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.identifiers import with_iin_check_digit
from hub.domain.matching import blocks as blocks_module
from hub.domain.matching import entries as entries_module
from hub.domain.matching import index as index_module
from hub.domain.matching.blocks import block_id
from hub.domain.matching.disclosure import LEVELS, disclosed_hit, may_see
from hub.domain.matching.entries import Batcher, index_entry
from hub.domain.matching.index import MatchIndex
from hub.domain.matching.keys import warnings_of
from hub.domain.matching.model import default_model
from hub.domain.matching.names import name_keys
from hub.domain.matching.persons import PersonFacts, match_person, score_person
from tests.samples import PERSON, REGISTER_RECORD, THING


def days(y: int, m: int, d: int) -> int:
    return (date(y, m, d) - date(1970, 1, 1)).days


@pytest.mark.parametrize("one, other", [
    ("Сейтқалиев", "Seitkaliyev"), ("Сейткалиева", "SEITKALIEVA"), ("Жұмабеков", "Zhumabekov"),
    ("Жұмабеков", "Jumabekov"), ("Джумабеков", "Dzhumabekov"), ("Хасенов", "Khassenov"), ("Хасенов", "Hasenov"),
    ("Қасымов", "Qasymov"), ("Әлихан", "Älihan"), ("Юлия", "Iuliia"), ("Юлия", "Yuliya"), ("Ерлан", "Yerlan"),
    ("Щербаков", "Shcherbakov"), ("Нұрсұлтан", "Nursultan"), ("Ақжол", "Aqjol"), ("Ілияс", "Ilyas"),
    ("Маратұлы", "Maratuly"), ("Ахметова", "Ахметов"), ("Иванова-Сейткали", "Ivanova Seitkali"),
])
def test_spellings_of_one_name_meet(one, other):
    assert name_keys(one) == name_keys(other)


RECORD = PersonFacts.of({"surname": "Сейтқалиева", "given_name": "Әлия", "patronymic": "Маратқызы",
                         "birth_date": days(1985, 3, 12), "sex": "FEMALE"})


@pytest.mark.parametrize("query, outcome", [
    ({"surname": "Seitkaliyeva", "given_name": "Aliya", "patronymic": "Maratqyzy", "birth_date": days(1985, 3, 12)},
     "HIT"),
    ({"surname": "Seitkaliyeva", "given_name": "Aliya", "birth_date": days(1985, 3, 12)},
     "HIT"),  # no patronymic asked: names of average frequency and the exact date still make a hit
    ({"surname": "Seitkaliyeva", "given_name": "Aliya", "patronymic": "Serikovna", "birth_date": days(1985, 3, 12)},
     "POSSIBLE_HIT"),  # another father: at most a possible hit
    ({"surname": "Сейткалиева", "given_name": "Алия", "patronymic": "Маратовна", "birth_date": days(1985, 3, 12)}, "HIT"),
    ({"surname": "Aliya", "given_name": "Seitkalieva", "patronymic": "Maratovna", "birth_date": days(1985, 3, 12)},
     "HIT"),  # swapped order
    ({"surname": "Seitkaliyeva", "given_name": "Aliya", "patronymic": "Maratovna", "birth_date": days(1985, 12, 3)},
     "HIT"),  # day/month
    ({"surname": "Seitkalyeva", "given_name": "Aliya", "patronymic": "Maratovna", "birth_date": days(1985, 3, 13)},
     "HIT"),  # two typos
    ({"surname": "Seitkaliyeva", "given_name": "Aliya", "birth_year": 1985},
     "POSSIBLE_HIT"),  # year only: never a hit, for an officer to confirm
    ({"surname": "Seitkaliyeva", "given_name": "Aliya", "birth_year": 1987}, "NO_HIT"),  # another year
    ({"surname": "Ахметова", "given_name": "Әлия", "patronymic": "Маратқызы", "birth_date": days(1985, 3, 12)},
     "POSSIBLE_HIT"),  # another surname, all else agreeing: a married name, perhaps; for an officer to confirm
    ({"surname": "Ахметова", "given_name": "Әлия", "patronymic": "Маратқызы", "birth_date": days(1987, 7, 1)},
     "NO_HIT"),
    ({"surname": "Seitkaliyeva", "given_name": "Aliya", "birth_date": days(1987, 7, 1)}, "NO_HIT"),
    ({"surname": "Нұрланов", "given_name": "Данияр", "birth_date": days(1985, 3, 12)}, "NO_HIT"),
])
def test_person_scores(query, outcome):
    assert score_person(PersonFacts.of(query), RECORD).outcome == outcome


def test_the_iin_decides_and_its_birth_digits_never_refuse():
    record = PersonFacts.of({**PERSON, "birth_date": days(1990, 1, 1)})  # the card's date disagrees with the IIN
    same = score_person(PersonFacts.of({"iin": PERSON["iin"]}), record)
    assert same.outcome == "HIT" and same.matched[0] == "iin"
    other_iin = next(i for i in (with_iin_check_digit(f"9001013{n:04d}") for n in range(100)) if i)
    assert score_person(PersonFacts.of({**PERSON, "iin": other_iin}), PersonFacts.of(PERSON)).value == 0.0


def test_sex_conflict_lowers_the_score():
    query = {"surname": "Seitkaliyeva", "given_name": "Aliya", "birth_date": days(1985, 3, 12)}
    assert score_person(PersonFacts.of({**query, "sex": "MALE"}), RECORD).value < score_person(
        PersonFacts.of(query), RECORD).value


def person_state(record_id: str, **document) -> dict:
    return {**REGISTER_RECORD, "record_id": record_id, "document": {**PERSON, **document}}


def thing_state(record_id: str, **document) -> dict:
    return {**REGISTER_RECORD, "record_id": record_id, "record_type": "STOLEN_VEHICLE", "object_kind": "THING",
            "confidentiality": "OPEN", "document": {**THING, **document}}


def test_the_index_follows_enrolment_correction_removal_and_purge():
    index = MatchIndex()
    index.put(person_state("KZ-75-WANTED_PERSON-1"))
    asked = {"surname": "Seitkaliyev", "given_name": "Alikhan", "patronymic": "Maratuly",
             "birth_date": PERSON["birth_date"]}
    assert [m.record_id for m in index.search(asked, person=True)] == ["KZ-75-WANTED_PERSON-1"]
    index.put({**person_state("KZ-75-WANTED_PERSON-1", surname="Жұмабеков", iin=None), "version": 2})
    assert all(m.outcome == "POSSIBLE_HIT" for m in index.search(asked, person=True))  # all but the surname agree
    assert index.search({"iin": PERSON["iin"]}, person=True) == []
    assert index.search({**asked, "surname": "Zhumabekov"}, person=True)[0].outcome == "HIT"
    index.put({**person_state("KZ-75-WANTED_PERSON-1"), "status": "REMOVED"})  # removed records are never hits
    assert index.search({"iin": PERSON["iin"]}, person=True) == [] and len(index) == 0
    index.put(person_state("KZ-75-WANTED_PERSON-2"))
    index.remove("KZ-75-WANTED_PERSON-2")  # purge
    assert index.search({"iin": PERSON["iin"]}, person=True) == []


NAMES = st.sampled_from(["Сейтқалиева", "Seitkaliyeva", "Seitkalyeva", "Ахметова", "Ахметов", "Әлия", "Aliya",
                         "Данияр", "Nurlanov", "Маратқызы", "Maratovna", None])
PEOPLE = st.builds(lambda surname, given, patronymic, born, year_only, sex, number, iin: PersonFacts.of({
    "surname": surname, "given_name": given, "patronymic": patronymic, "birth_date": None if year_only else born,
    "birth_year": 1985 if year_only else None, "sex": sex, "document_number": number, "iin": iin}),
    NAMES, NAMES, NAMES, st.sampled_from([days(1985, 3, 12), days(1985, 12, 3), days(1985, 3, 13), days(1987, 7, 1)]),
    st.booleans(), st.sampled_from(["MALE", "FEMALE", None]), st.sampled_from(["N0451239", "N0451238", None]),
    st.sampled_from([PERSON["iin"], None]))


@given(PEOPLE, PEOPLE)
def test_the_quick_match_agrees_with_the_full_score(query, record):
    full = score_person(query, record)  # the search uses match_person: the same scores, or None for NO_HIT
    assert match_person(query, record) == (None if full.outcome == "NO_HIT" else full)


@pytest.mark.parametrize("colliding", [False, True])
def test_a_record_leaves_no_key_or_block_behind_when_it_goes(colliding, monkeypatch, request):
    if colliding:  # ids that collide only widen the candidates: every block and every key gets the same one
        monkeypatch.setattr(blocks_module, "crc32", lambda data, start=0: 7)
        monkeypatch.setattr(entries_module, "crc32", lambda data, start=0: 7)
        for cached in (blocks_module.query_block_ids, blocks_module.name_heads):  # made by the real block_id
            cached.cache_clear()
            request.addfinalizer(cached.cache_clear)
    index = MatchIndex()  # the keys of millions of records are the index's memory: none may leak
    index.put(person_state("KZ-75-WANTED_PERSON-1"))
    index.put({**person_state("KZ-75-WANTED_PERSON-1", surname="Жұмабеков", birth_date=-1), "version": 2})
    index.put(person_state("KZ-75-WANTED_PERSON-2", birth_date=-2, iin=None))
    index.put(thing_state("KZ-75-STOLEN_VEHICLE-1"))
    asked = {"surname": "Zhumabekov", "given_name": "Alikhan", "birth_date": -1}
    assert [m.record_id for m in index.search(asked, person=True)][:1] == ["KZ-75-WANTED_PERSON-1"]
    assert [m.record_id for m in index.search({"plate": "123ABC02"}, person=False)] == ["KZ-75-STOLEN_VEHICLE-1"]
    assert [(m.record_id, m.matched) for m in index.search({"iin": PERSON["iin"]}, person=True)
            if m.outcome == "HIT"] == [("KZ-75-WANTED_PERSON-1", ("iin",))]
    for record_id in ("KZ-75-WANTED_PERSON-1", "KZ-75-WANTED_PERSON-2", "KZ-75-STOLEN_VEHICLE-1"):
        index.remove(record_id)
    index.seal()
    assert len(index) == 0 and index._keys.export() == index._blocks.export() == (b"", {})
    assert index._facts == index._payloads == [None] * 4  # the slots of gone records keep nothing


def test_a_seal_sorts_bulk_and_single_additions_in_and_renumbers_when_many_have_gone(monkeypatch):
    monkeypatch.setattr(index_module, "SEAL_MIN", 2)
    index, batcher = MatchIndex(), Batcher(max_entries=3)
    states = [person_state(f"KZ-75-WANTED_PERSON-{n}", iin=None, birth_date=n) for n in range(5)]
    batches = [batch for state in states for batch in batcher.add(state["record_id"], state, index_entry(state))]
    for batch in batches + [batcher.take()]:
        index.add_batch(batch)
    index.put(thing_state("KZ-75-STOLEN_VEHICLE-1"))  # a single addition beside the bulk ones
    assert index.needs_seal()
    for n in (0, 1, 3):
        index.remove(f"KZ-75-WANTED_PERSON-{n}")
    index.seal()
    assert not index.needs_seal() and len(index._record_ids) == len(index) == 3  # renumbered: 3 of 6 gone
    for n in (2, 4):
        found = index.search({"surname": PERSON["surname"], "given_name": PERSON["given_name"],
                              "patronymic": PERSON["patronymic"], "birth_date": n}, person=True)
        assert found[0].record_id == f"KZ-75-WANTED_PERSON-{n}" and found[0].outcome == "HIT"
    assert [m.record_id for m in index.search({"plate": "123ABC02"}, person=False)] == ["KZ-75-STOLEN_VEHICLE-1"]


def test_the_index_renumbers_its_records_before_it_runs_out_of_ordinals(monkeypatch):
    monkeypatch.setattr(index_module, "MAX_ORDINAL", 3)
    index = MatchIndex()
    for version in (1, 2, 3):  # each put takes the next ordinal; the fourth would pass the last
        index.put({**thing_state("KZ-75-STOLEN_VEHICLE-1"), "version": version})
    index.put(thing_state("KZ-75-STOLEN_VEHICLE-2", plate="456DEF02"))
    assert len(index._record_ids) == 2 and len(index) == 2
    assert [m.record_id for m in index.search({"plate": "123ABC02"}, person=False)] == ["KZ-75-STOLEN_VEHICLE-1"]
    assert [m.record_id for m in index.search({"plate": "456DEF02"}, person=False)] == ["KZ-75-STOLEN_VEHICLE-2"]


def test_a_batcher_names_a_record_met_again_so_that_batches_applied_in_order_leave_its_last_state():
    messages = [("R1", person_state("R1")), ("R2", thing_state("R2")), ("R1", None),  # closes the first batch
                ("R1", person_state("R1", surname="Жұмабеков")), ("R3", thing_state("R3")), ("R2", None),
                ("R4", {**thing_state("R4"), "status": "REMOVED"})]
    batcher, batched = Batcher(max_entries=2), MatchIndex()
    for record_id, state in messages:
        entry = index_entry(state) if state is not None else None
        for batch in batcher.add(record_id, state, entry):
            batched.add_batch(batch)
    batched.add_batch(batcher.take())
    one_by_one = MatchIndex()
    for record_id, state in messages:
        one_by_one.put(state) if state is not None else one_by_one.remove(record_id)
    assert len(batched) == len(one_by_one) == 2 and "R2" not in batched
    assert batched.state_of("R1") == one_by_one.state_of("R1") and batched.state_of("R3") == thing_state("R3")


def test_a_restored_index_answers_as_the_one_it_was_exported_from():
    index = MatchIndex()
    index.put(person_state("KZ-75-WANTED_PERSON-1"))
    index.put(person_state("KZ-75-WANTED_PERSON-2", surname="Жұмабеков", iin=None))
    index.put(thing_state("KZ-75-STOLEN_VEHICLE-1"))
    index.seal()
    index.put(person_state("KZ-75-WANTED_PERSON-3", surname="Нурланов", iin=None))  # single, not sealed
    restored = MatchIndex.restore(marshal.loads(marshal.dumps(index.export(), 4)))
    for subject, person in [({"surname": "Seitkaliyev", "given_name": "Alikhan", "patronymic": "Maratuly",
                              "birth_date": PERSON["birth_date"]}, True), ({"iin": PERSON["iin"]}, True),
                            ({"plate": "123ABC02"}, False),
                            ({"surname": "Nurlanov", "given_name": "Alikhan", "patronymic": "Maratuly",
                              "birth_date": PERSON["birth_date"]}, True)]:
        assert restored.search(subject, person=person) == index.search(subject, person=person) != []
    restored.remove("KZ-75-WANTED_PERSON-2")  # a restored index still follows the register
    restored.remove("KZ-75-WANTED_PERSON-1")
    restored.seal()
    assert len(restored) == 2 and "KZ-75-WANTED_PERSON-3" in restored


def test_block_ids_are_the_same_in_every_process():
    script = "from hub.domain.matching.blocks import block_id; print(block_id(('SGY', 'sei', 'ali', 1985)))"
    ids = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2")}
    assert ids == {str(block_id(("SGY", "sei", "ali", 1985)))}


@pytest.mark.parametrize("subject, field", [
    ({"vin": "jtnb11hk103456789"}, "vin"),
    ({"plate": "123 АВС 02"}, "plate"),  # Cyrillic look-alike letters and a space
    ({"vin": None, "plate": "123ABC02"}, "plate"),
])
def test_vehicles_are_found_by_vin_or_plate(subject, field):
    index = MatchIndex()
    index.put(thing_state("KZ-75-STOLEN_VEHICLE-1"))
    [match] = index.search(subject, person=False)
    assert (match.record_id, match.outcome, match.matched) == ("KZ-75-STOLEN_VEHICLE-1", "HIT", (field,))


def test_phones_firearms_documents_and_facts_are_found_by_their_numbers():
    index = MatchIndex()
    index.put(thing_state("KZ-75-STOLEN_PHONE-1", thing_kind="PHONE", vin=None, plate=None, imei="356938035643809"))
    index.put(thing_state("KZ-75-LOST_FIREARM-1", thing_kind="FIREARM", vin=None, plate=None, serial="ТТ-1234"))
    index.put(thing_state("KZ-75-LOST_DOCUMENT-1", thing_kind="DOCUMENT", vin=None, plate=None,
                          document_number="N 0451239"))
    index.put({**thing_state("KZ-75-CRIME-1"), "object_kind": "FACT",
               "document": {"registration_number": "227500031000123"}})
    for imei in ("35693803564380", "356938035643809", "3569380356438012"):  # 14, 15 and 16 digits
        assert [m.record_id for m in index.search({"imei": imei}, person=False)] == ["KZ-75-STOLEN_PHONE-1"]
    assert [m.record_id for m in index.search({"serial": "TT1234"}, person=False)] == ["KZ-75-LOST_FIREARM-1"]
    assert [m.record_id for m in index.search({"number": "n0451239"}, person=False)] == ["KZ-75-LOST_DOCUMENT-1"]
    assert [m.record_id for m in index.search({"registration_number": "227500031000123"}, person=False)] == [
        "KZ-75-CRIME-1"]


def test_a_wrong_vin_check_digit_is_a_warning_not_a_refusal():
    index = MatchIndex()
    index.put(thing_state("KZ-75-STOLEN_VEHICLE-1", vin="WVWZZZ1JZXW000001"))
    assert "VIN_CHECK_DIGIT" in warnings_of({"vin": "WVWZZZ1JZXW000001"})
    assert index.search({"vin": "WVWZZZ1JZXW000001"}, person=False)[0].outcome == "HIT"


@given(clearance=st.sampled_from(LEVELS), confidentiality=st.sampled_from(LEVELS),
       surname=st.text(min_size=4, max_size=20), note=st.text(min_size=4, max_size=40))
def test_no_field_above_the_clearance_ever_leaves(clearance, confidentiality, surname, note):
    record = {**person_state("KZ-75-WANTED_PERSON-77", surname=surname, special_marks=note),
              "confidentiality": confidentiality}
    hit = disclosed_hit(record, clearance, "HIT", 0.97, ["surname", "birth_date"],
                        [("surname", "EXACT", 9.5), ("birth_date", "EXACT", 13.1)])
    if may_see(clearance, confidentiality):
        assert hit["document"] == record["document"] and hit["disclosure"] == "FULL"
        return
    # Exactly these fields, none from the record but its level and the unit to contact: a text search
    # of the JSON would also find a random surname inside a field name ("cont" in "contact_unit").
    assert hit == {"record_id": "RESTRICTED", "record_type": "RESTRICTED", "level": "HIT", "score": 0.97,
                   "matched_fields": [], "disclosure": "RESTRICTED", "confidentiality": confidentiality,
                   "contact_unit": record["owner_unit"], "document": None, "evidence": []}


def test_the_index_keeps_encoded_payloads_and_decodes_only_what_answers(codec):
    decoded = []

    def decode(raw: bytes) -> dict:
        decoded.append(raw)
        return codec.decode(raw, expect="RegisterRecord").value
    index = MatchIndex(decode=decode)
    for n in range(3):
        state = person_state(f"KZ-75-WANTED_PERSON-{n}", iin=None, surname=["Ахметов", "Жумабеков", "Нурланов"][n])
        index.put(state, payload=codec.encode("RegisterRecord", state))
    assert decoded == []  # nothing decoded while indexing
    match = index.search({"surname": "Жумабеков", "given_name": PERSON["given_name"], "patronymic": "Маратұлы",
                          "birth_date": PERSON["birth_date"]}, person=True)[0]  # the best first
    assert index.state_of(match.record_id)["document"]["surname"] == "Жумабеков" and len(decoded) == 1
    index.remove("KZ-75-WANTED_PERSON-1")  # its keys come from its payload
    assert "KZ-75-WANTED_PERSON-1" not in {m.record_id for m in index.search(
        {"surname": "Жумабеков", "given_name": PERSON["given_name"], "birth_date": PERSON["birth_date"]}, person=True)}
    assert len(index) == 2


@pytest.mark.parametrize("one, other", [
    ("г. Алматы, ул. Абая, д. 10, кв. 5", "Almaty qalasy, Abai koshesi 10, 5"),
    ("Шымкент қ., Тәуке хан даңғылы, 5", "г. Шымкент, пр. Тауке хана 5"),
    ("12 totterdell street, st albans", "12 totterdell st, st albans"),
])
def test_spellings_of_one_address_agree(one, other):
    from hub.domain.matching.addresses import (
        ADDRESS_NEAR,
        address_key,
        address_similarity,
    )
    assert address_similarity(address_key(one), address_key(other)) >= ADDRESS_NEAR


def _index_of(document: dict) -> MatchIndex:
    index = MatchIndex()
    index.put({**REGISTER_RECORD, "document": document})
    return index


def test_an_agreeing_address_makes_a_hit_of_a_possible_hit_and_a_different_one_costs_nothing():
    card = {**PERSON, "iin": None, "identity_documents": [], "registered_address": "г. Алматы, ул. Абая, д. 10"}
    index = _index_of(card)
    index.model = replace(default_model(), hit_bits=29.0, possible_bits=26.0, thresholds={})  # the address's part
    # names and birth date agree, no patronymic: a possible hit that an agreeing address makes sure
    asked = {"iin": None, "surname": "Seitkaliyev", "given_name": "Alikhan", "patronymic": None,
             "birth_date": PERSON["birth_date"], "birth_year": None, "sex": None, "document_number": None}
    without = index.search({**asked, "registered_address": None}, person=True)
    elsewhere = index.search({**asked, "registered_address": "Астана, пр. Республики 1"}, person=True)
    same = index.search({**asked, "registered_address": "Almaty qalasy, Abai koshesi 10"}, person=True)
    assert [m.outcome for m in without] == [m.outcome for m in elsewhere] == ["POSSIBLE_HIT"]
    assert without[0].score == elsewhere[0].score
    assert [m.outcome for m in same] == ["HIT"] and "registered_address" in same[0].matched


def test_names_and_an_address_without_a_birth_date_stay_a_possible_hit():
    card = {**PERSON, "iin": None, "identity_documents": [], "registered_address": "г. Алматы, ул. Абая, д. 10"}
    asked = {"iin": None, "surname": "Seitkaliyev", "given_name": "Alikhan", "patronymic": "Maratuly",
             "birth_date": None, "birth_year": None, "sex": "MALE", "document_number": None,
             "registered_address": "г. Алматы, ул. Абая, д. 10"}
    index = _index_of(card)
    index.model = replace(default_model(), hit_bits=20.0, possible_bits=15.0)  # the evidence passes a hit
    assert [m.outcome for m in index.search(asked, person=True)] == ["POSSIBLE_HIT"]


def _described_blocks(facts: PersonFacts, both_orders: bool, query: bool) -> tuple[set[int], int | None]:
    """The blocks as person_blocks' docstring describes them, each id taken of the whole tuple."""
    from hub.domain.matching.blocks import date_variants
    orders = [(facts.surname, facts.given_name)] + ([(facts.given_name, facts.surname)] if both_orders else [])
    days = (date_variants(facts.birth_date) if query else {facts.birth_date}) if facts.birth_date is not None else set()
    blocks = set()
    for surnames, given_names in orders:
        for s in surnames:
            for g in given_names:
                if facts.birth_year is not None:
                    blocks.add(("SGY", s[:3], g[:3], facts.birth_year))
                if facts.birth_date is not None:
                    born = date(1970, 1, 1).fromordinal(date(1970, 1, 1).toordinal() + facts.birth_date)
                    blocks.add(("SGMD", s[:3], g[:3], born.strftime("%m%d")))
                if not query or facts.birth_year is None:
                    blocks.add(("SG", s[:3], g[:3]))
            blocks |= {("SD", s[:3], day) for day in days}
        for g in given_names:
            blocks |= {("GD", g[:3], day) for day in days}
    born = block_id(("D", facts.birth_date)) if facts.birth_date is not None else None
    return {block_id(b) for b in blocks}, born


@given(surname=st.sampled_from(["Сейтқалиев", "Ivanova-Seitkali", "", "Ким"]),
       given_name=st.sampled_from(["Әлихан", "Mariya Anna", ""]),
       birth_date=st.one_of(st.none(), st.integers(-30000, 20000)), both_orders=st.booleans(), query=st.booleans())
def test_block_ids_are_those_of_the_blocks_described(surname, given_name, birth_date, both_orders, query):
    facts = PersonFacts.of({"surname": surname, "given_name": given_name, "birth_date": birth_date})
    assert blocks_module.person_blocks(facts, both_orders, query) == _described_blocks(facts, both_orders, query)


@given(surname=st.sampled_from(["Сейтқалиев", "Ivanova-Seitkali", "", "Ким"]),
       given_name=st.sampled_from(["Әлихан", "Mariya Anna", ""]),
       birth_date=st.one_of(st.none(), st.integers(-30000, 20000)), birth_year=st.one_of(st.none(), st.just(1985)))
def test_a_register_persons_blocks_are_those_of_person_blocks(surname, given_name, birth_date, birth_year):
    facts = PersonFacts.of({"surname": surname, "given_name": given_name, "birth_date": birth_date,
                            "birth_year": birth_year})
    names, born = blocks_module.person_blocks(facts)
    assert blocks_module.indexed_block_ids(facts) == names | ({born} if born is not None else set())

