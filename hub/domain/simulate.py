"""Seeded generators of realistic regional events, for the demo, tests and benchmarks."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

from hub.domain.identifiers import luhn_ok, with_iin_check_digit
from hub.domain.regions import REGION_CODES
from hub.domain.register import DAY_MS

SURNAMES_M = ["Нұрланов", "Серікбаев", "Ахметов", "Иванов", "Жұмабеков", "Ким", "Тоқаев", "Смагулов",
              "Петров", "Абдрахманов", "Сейтқали", "Оспанов", "Жакупов", "Кузнецов", "Бекмұханбетов"]
GIVEN_M = ["Асхат", "Ерлан", "Нұрсұлтан", "Дмитрий", "Жандос", "Бауыржан", "Айдос", "Сергей", "Әлихан", "Тимур"]
GIVEN_F = ["Айгерім", "Динара", "Мария", "Гүлнар", "Әсел", "Жанар", "Ольга", "Аружан", "Сәуле", "Томирис"]
PATRONYMIC_M = ["Серікұлы", "Болатович", "Маратұлы", "Ерланович", "Қайратұлы", "Сергеевич"]
PATRONYMIC_F = ["Серікқызы", "Болатовна", "Маратқызы", "Ерлановна", "Қайратқызы", "Сергеевна"]
MAKES = [("Toyota", "Camry"), ("Hyundai", "Accent"), ("Lada", "Granta"), ("Kia", "Rio"), ("Chevrolet", "Cobalt")]
VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

# record type -> (acting unit suffix, enrol ground, correct ground, remove ground)
DEMO_TYPES = {
    "WANTED_PERSON": ("CP", "WANTED_HIDING_FROM_INVESTIGATION", "DATA_CLARIFIED", "PERSON_DETAINED"),
    "MISSING_PERSON": ("CP", "MISSING_REPORTED", "DATA_CLARIFIED", "PERSON_FOUND"),
    "STOLEN_VEHICLE": ("CP", "VEHICLE_THEFT_REPORTED", "DATA_CLARIFIED", "THING_FOUND"),
    "STOLEN_PHONE": ("CP", "PHONE_THEFT_REPORTED", "DATA_CLARIFIED", "THING_RETURNED"),
    "LOST_DOCUMENT": ("MIG", "DOCUMENT_LOSS_REPORTED", "DATA_CLARIFIED", "THING_FOUND"),
    "CRIMINAL_OFFENCE": ("INV", "OFFENCE_REGISTERED", "QUALIFICATION_CHANGED", "CASE_TERMINATED"),
}


def random_iin(rng: random.Random, birth_days: int, female: bool) -> str:
    """Return a valid IIN for a birth date (epoch days) and sex."""
    import datetime as dt

    born = dt.date(1970, 1, 1) + dt.timedelta(days=birth_days)
    century = 3 if born.year < 2000 else 5
    while True:
        first11 = f"{born:%y%m%d}{century + int(female)}{rng.randrange(10000):04d}"
        iin = with_iin_check_digit(first11)
        if iin:
            return iin


def random_imei(rng: random.Random) -> str:
    """Return a 15-digit IMEI with a valid Luhn digit."""
    body = "".join(str(rng.randrange(10)) for _ in range(14))
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def person_card(rng: random.Random) -> dict[str, Any]:
    """Return a realistic person card."""
    female = rng.random() < 0.4
    surname = rng.choice(SURNAMES_M)
    if female:
        surname = surname[:-2] + "ова" if surname.endswith("ов") else surname
    birth_days = rng.randrange(-18000, 12000)
    return {
        "iin": random_iin(rng, birth_days, female), "surname": surname,
        "given_name": rng.choice(GIVEN_F if female else GIVEN_M),
        "patronymic": rng.choice(PATRONYMIC_F if female else PATRONYMIC_M),
        "birth_date": birth_days, "birth_year": None, "sex": "FEMALE" if female else "MALE",
        "citizenship": "KAZ", "birth_place": None, "identity_documents": [],
        "registered_address": None, "special_marks": None, "photo_ref": None,
    }


def thing_card(rng: random.Random, record_type: str) -> dict[str, Any]:
    """Return a realistic thing card for a thing record type."""
    base = {k: None for k in ("vin", "plate", "make", "model", "colour", "year", "serial", "calibre",
                              "imei", "document_kind", "document_number", "owner_name")}
    if record_type == "STOLEN_VEHICLE":
        make, model = rng.choice(MAKES)
        vin = "".join(rng.choice(VIN_ALPHABET) for _ in range(17))
        return {**base, "thing_kind": "VEHICLE", "description": f"{make} {model}, седан", "vin": vin,
                "plate": f"{rng.randrange(1000):03d}ABC{rng.randrange(1, 20):02d}", "make": make,
                "model": model, "colour": "белый", "year": rng.randrange(2005, 2025)}
    if record_type == "STOLEN_PHONE":
        return {**base, "thing_kind": "PHONE", "description": "Смартфон Samsung Galaxy A54",
                "imei": random_imei(rng), "make": "Samsung", "model": "Galaxy A54"}
    return {**base, "thing_kind": "IDENTITY_DOCUMENT", "description": "Жеке куәлік / удостоверение личности",
            "document_kind": "ID_CARD", "document_number": f"{rng.randrange(10**9):09d}"}


def fact_card(rng: random.Random, now_ms: int) -> dict[str, Any]:
    """Return a realistic fact card of a registered offence."""
    return {"registration_number": f"{rng.randrange(10**14, 10**15)}", "criminal_code_article": "188 ч.2",
            "occurred_at": now_ms - rng.randrange(1, 30) * DAY_MS, "place": "г. Алматы, ул. Абая, 10",
            "description": "Тайное хищение чужого имущества / Бөтеннің мүлкін жасырын ұрлау",
            "damage_kzt": rng.randrange(10_000, 5_000_000)}


def document_for(rng: random.Random, record_type: str, now_ms: int) -> dict[str, Any]:
    """Return a document fitting a demo record type."""
    if record_type.endswith("_PERSON"):
        return person_card(rng)
    if record_type == "CRIMINAL_OFFENCE":
        return fact_card(rng, now_ms)
    return thing_card(rng, record_type)


@dataclass
class RegionSimulator:
    """One simulated regional register: enrols, corrects and removes its records, in order."""

    region: str
    seed: int
    live: dict[str, tuple[str, int, dict]] = field(default_factory=dict)
    sequence: int = 0

    def __post_init__(self) -> None:
        """Seed the generator."""
        self.rng = random.Random(f"{self.region}:{self.seed}")

    def _event(self, record_id: str, record_type: str, action: str, version: int, ground: str,
               document: dict | None, now_ms: int) -> dict[str, Any]:
        self.sequence += 1
        unit = f"{self.region}-{DEMO_TYPES[record_type][0]}"
        return {
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "record_id": record_id, "record_type": record_type, "region": self.region,
            "action": action, "version": version, "unit": unit,
            "officer": f"{self.rng.randrange(100000, 999999)}", "ground": ground,
            "occurred_at": now_ms, "valid_until": None, "source_sequence": self.sequence,
            "document": document, "note": None,
        }

    def next_event(self, now_ms: int) -> dict[str, Any]:
        """Return the register's next event: mostly enrolments, then corrections and removals."""
        roll = self.rng.random()
        if self.live and roll < 0.2:
            record_id = self.rng.choice(list(self.live))
            record_type, version, document = self.live[record_id]
            self.live[record_id] = (record_type, version + 1, document)
            return self._event(record_id, record_type, "CORRECT", version + 1,
                               DEMO_TYPES[record_type][2], document, now_ms)
        if self.live and roll < 0.3:
            record_id = self.rng.choice(list(self.live))
            record_type, version, _ = self.live.pop(record_id)
            return self._event(record_id, record_type, "REMOVE", version + 1,
                               DEMO_TYPES[record_type][3], None, now_ms)
        record_type = self.rng.choice(list(DEMO_TYPES))
        record_id = f"{self.region}-{record_type}-{self.sequence + 1:08d}"
        document = document_for(self.rng, record_type, now_ms)
        self.live[record_id] = (record_type, 1, document)
        return self._event(record_id, record_type, "ENROL", 1, DEMO_TYPES[record_type][1], document, now_ms)


def simulators(seed: int, regions: tuple[str, ...] = REGION_CODES) -> list[RegionSimulator]:
    """Return one simulator per region."""
    return [RegionSimulator(code, seed) for code in regions]


def interleave(sims: list[RegionSimulator], rng: random.Random, now_ms: int) -> Iterator[dict[str, Any]]:
    """Yield events of randomly chosen regions, forever."""
    while True:
        yield rng.choice(sims).next_event(now_ms)
