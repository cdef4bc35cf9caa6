"""What the demo shows besides its simulated registers: records to check by hand, checks of every kind,
inputs the hub refuses, and manifests with a deliberate difference (pure)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import Any

from hub.domain.identifiers import with_iin_check_digit
from hub.domain.simulate import DEMO_TYPES, RegionSimulator, person_card

EPOCH = dt.date(1970, 1, 1)
PERSON_FIELDS = ("iin", "surname", "given_name", "patronymic", "birth_date", "birth_year", "sex", "document_number",
                 "registered_address")


def _day(year: int, month: int, day: int) -> int:
    return (dt.date(year, month, day) - EPOCH).days


def _iin(first11: str) -> str:
    return with_iin_check_digit(first11) or with_iin_check_digit(first11[:-1] + "9") or ""


def _person(iin: str, surname: str, given: str, patronymic: str, born: int, sex: str) -> dict[str, Any]:
    return {"iin": iin, "surname": surname, "given_name": given, "patronymic": patronymic, "birth_date": born,
            "birth_year": None, "sex": sex, "citizenship": "KAZ", "birth_place": None, "identity_documents": [],
            "registered_address": None, "special_marks": None, "photo_ref": None}


@dataclass(frozen=True)
class Showcase:
    """A record the demo enrols once, for officers to check by hand."""

    record_id: str
    record_type: str
    unit: str
    ground: str
    document: dict[str, Any]
    hint: str  # the `hub check` options that find it


WANTED = Showcase("KZ-75-WANTED_PERSON-90000001", "WANTED_PERSON", "KZ-75-CP", "WANTED_HIDING_FROM_INVESTIGATION",
                  _person(_iin("85031230123"), "Сейтқалиев", "Әлихан", "Маратұлы", _day(1985, 3, 12), "MALE"),
                  "--surname Seitkaliyev --given-name Alikhan --patronymic Maratuly --birth-date 12.03.1985")
CONVICTED = Showcase("KZ-75-CONVICTED_PERSON-90000002", "CONVICTED_PERSON", "KZ-75-REC", "CONVICTION_IN_FORCE",
                     _person(_iin("79110445078"), "Жұмағалиева", "Гүлнар", "Серікқызы", _day(1979, 11, 4), "FEMALE"),
                     "--surname Жумагалиева --given-name Гульнар --patronymic Сериковна --birth-date 1979-11-04")
VEHICLE = Showcase("KZ-75-STOLEN_VEHICLE-90000003", "STOLEN_VEHICLE", "KZ-75-CP", "VEHICLE_THEFT_REPORTED",
                   {"thing_kind": "VEHICLE", "description": "Toyota Camry 70, ақ седан / белый седан",
                    "vin": "JTNB11HK103456789", "plate": "123ABC02", "make": "Toyota", "model": "Camry",
                    "colour": "белый", "year": 2019, "serial": None, "calibre": None, "imei": None,
                    "document_kind": None, "document_number": None, "owner_name": "Омаров Ерлан Болатұлы"},
                   "--plate '123 ABC 02'")
NAMESAKE_BORN = _day(1990, 7, 21)
NAMESAKES = tuple(Showcase(f"KZ-75-WANTED_PERSON-9000000{n}", "WANTED_PERSON", "KZ-75-CP",
                           "WANTED_HIDING_FROM_INVESTIGATION",
                           _person(_iin(f"90072130{n}45"), "Байжанов", "Ерболат", patronymic, NAMESAKE_BORN, "MALE"),
                           "--surname Baizhanov --given-name Yerbolat --birth-date 1990-07-21 --sex MALE" if n == 4
                           else "--surname Baizhanov --given-name Yerbolat --patronymic Qanatuly --birth-date 1990-07-21")
                  for n, patronymic in ((4, "Маратұлы"), (5, "Қанатұлы")))
SHOWCASES = (WANTED, CONVICTED, VEHICLE) + NAMESAKES


def showcase_event(showcase: Showcase, now_ms: int) -> dict[str, Any]:
    """Return the enrolment of a showcase record (the same event id every run: enrolled once)."""
    return {"event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, showcase.record_id)), "record_id": showcase.record_id,
            "record_type": showcase.record_type, "region": showcase.record_id[:5], "action": "ENROL", "version": 1,
            "unit": showcase.unit, "officer": "750001", "ground": showcase.ground, "occurred_at": now_ms,
            "valid_until": None, "source_sequence": 0, "document": showcase.document,
            "note": "Демонстрациялық жазба / Демонстрационная запись"}


def _request(unit: str, subject: tuple[str, dict[str, Any]], now_ms: int, rng: random.Random,
             clearance: str = "SECRET", written: tuple[str, int] | None = None) -> dict[str, Any]:
    return {"check_id": f"chk-demo-{uuid.UUID(int=rng.getrandbits(128), version=4)}", "requester_unit": unit,
            "officer": f"71{rng.randrange(1000, 9999)}", "clearance": clearance,
            "purpose": "Проверка задержанного / Ұсталған адамды тексеру",
            "legal_ground": "ст. 11 Закона РК «Об оперативно-розыскной деятельности»",
            "channel": "WRITTEN" if written else "ONLINE", "written_request_number": written and written[0],
            "written_request_date": written and written[1], "requested_at": now_ms, "subject": subject}


def _person_subject(**given: Any) -> tuple[str, dict[str, Any]]:
    return "kz.mvd.records.PersonSubject", {**dict.fromkeys(PERSON_FIELDS), **given}


@dataclass(frozen=True)
class Round:
    """One round of demo checks: the requests to send now, and an enrolment to send later (a delayed hit)."""

    requests: list[dict[str, Any]]
    later: dict[str, Any] | None = None


def check_round(number: int, now_ms: int, rng: random.Random) -> Round:
    """Return the checks of a round: a hit, a possible hit, a restricted hit, a written request, and a check
    of a person enrolled afterwards (delayed hit), in turn."""
    kind = number % 5
    wanted = WANTED.document
    if kind == 0:
        return Round([_request("KZ-71-CP", _person_subject(iin=wanted["iin"]), now_ms, rng)])
    if kind == 1:
        return Round([_request("KZ-71-LP", _person_subject(surname="Baizhanov", given_name="Yerbolat",
                                                           birth_date=NAMESAKE_BORN, sex="MALE"),
                               now_ms, rng, "OFFICIAL_USE")])
    if kind == 2:
        convicted = CONVICTED.document
        return Round([_request("KZ-71-LP", _person_subject(surname="Zhumagaliyeva", given_name="Gulnar",
                                                           patronymic="Serikkyzy", birth_date=convicted["birth_date"]),
                               now_ms, rng, "OFFICIAL_USE")])
    if kind == 3:
        today = now_ms // 86_400_000
        return Round([_request("KZ-71-CP", ("kz.mvd.records.VehicleSubject", {"vin": None, "plate": "123 ABC 02"}),
                               now_ms, rng, written=(f"71-12/{number}", today))])
    person = person_card(rng)
    subject = _person_subject(surname=person["surname"], given_name=person["given_name"],
                              patronymic=person["patronymic"], birth_date=person["birth_date"], sex=person["sex"])
    record_id = f"KZ-75-WANTED_PERSON-8{rng.randrange(10 ** 7):07d}"
    later = {**showcase_event(Showcase(record_id, "WANTED_PERSON", "KZ-75-CP", "WANTED_HIDING_FROM_INVESTIGATION",
                                       person, ""), now_ms), "event_id": str(uuid.UUID(int=rng.getrandbits(128)))}
    return Round([_request("KZ-71-CP", subject, now_ms, rng)], later)


INVALID_KINDS = ("unknown_unit", "bad_iin", "no_document", "wrong_ground", "other_region_unit", "future_birth")


def invalid_copy(event: dict[str, Any], number: int) -> dict[str, Any]:
    """Return an enrolment the hub must refuse, made from a valid one (a new record, so the simulated register
    stays true): an unknown unit, a wrong IIN, no document, a wrong ground, another region's unit or a birth
    date in the future, in turn."""
    kind = INVALID_KINDS[number % len(INVALID_KINDS)]
    region = event["region"]
    bad = {**event, "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event['event_id']}/invalid")),
           "record_id": f"{region}-{event['record_type']}-7{number:07d}", "action": "ENROL", "version": 1}
    document = event["document"] if isinstance(event["document"], dict) else None
    if kind == "unknown_unit":
        return {**bad, "unit": f"{region}-NOPE"}
    if kind == "bad_iin" and document and "iin" in document:
        iin = document["iin"]
        return {**bad, "document": {**document, "iin": iin[:11] + str((int(iin[11]) + 1) % 10)}}
    if kind == "no_document":
        return {**bad, "document": None}
    if kind == "other_region_unit":
        return {**bad, "unit": "KZ-71-CP" if region != "KZ-71" else "KZ-75-CP"}
    if kind == "future_birth" and document and "birth_date" in document:
        return {**bad, "document": {**document, "birth_date": 30_000}}
    return {**bad, "ground": "NO_SUCH_GROUND"}


def manifest_chunks(simulator: RegionSimulator, record_type: str, now_ms: int, manifest_id: str,
                    chunk_size: int = 500) -> list[dict[str, Any]]:
    """Return the chunks of a manifest of a simulated register's live records of a type, with three deliberate
    differences: one record left out, one the hub never saw, and one version off by one."""
    live = sorted((rid, version) for rid, (rtype, version, _) in simulator.live.items() if rtype == record_type)
    entries = [{"record_id": rid, "version": version} for rid, version in live[1:]]
    if entries:
        entries[0] = {**entries[0], "version": entries[0]["version"] + 1}
    entries.append({"record_id": f"{simulator.region}-{record_type}-99999999", "version": 1})
    chunks = [entries[i:i + chunk_size] for i in range(0, len(entries), chunk_size)] or [[]]
    unit = f"{simulator.region}-{DEMO_TYPES[record_type][0]}"
    return [{"manifest_id": manifest_id, "region": simulator.region, "record_type": record_type, "unit": unit,
             "as_of_sequence": simulator.sequence, "chunk_index": i, "chunk_count": len(chunks),
             "created_at": now_ms, "entries": chunk} for i, chunk in enumerate(chunks)]
