"""A seeded Kazakh/Russian person register with national-scale, heavy-tailed name frequencies and planted
namesakes, and the check questions asked of it, each labelled with the kind of variant it carries."""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Callable

from hub.bench import national_names as names
from hub.bench.kkru import GOST, ICAO, KZ2021, OLD_PASSPORT, Person, _latin, _typo, female, name_variant, patronymic_of

EPOCH = date(1970, 1, 1)
FIRST_BORN, LAST_BORN = (date(1940, 1, 1) - EPOCH).days, (date(2008, 12, 31) - EPOCH).days
KAZAKH_SHARE, PATRONYMIC_SHARE, ULY_SURNAME_SHARE, NAMESAKE_SHARE = 0.65, 0.85, 0.12, 0.05
KINDS = {"exact": 14, "transliteration": 20, "typo": 10, "swapped_order": 5, "no_patronymic": 11,
         "patronymic_form": 5, "double_surname_part": 3, "date_day_typo": 5, "date_month_typo": 5,
         "date_year_digit_typo": 5, "date_year_off_by_one": 5, "date_day_month_swap": 9, "year_only": 6,
         "combined": 5}  # drawing weights; a kind that does not apply to a person is drawn again
STRANGER_KINDS = {"stranger": 55, "stranger_namesake": 35, "stranger_crossed": 10}
LATIN_TABLES = [ICAO, GOST, KZ2021, OLD_PASSPORT]
YEAR, MONTH, DAY = range(0, 4), range(4, 6), range(6, 8)  # digit positions in YYYYMMDD


class _Zipf:
    """Draws items by rank with weight 1 / (rank + offset) ** exponent (Zipf-Mandelbrot)."""

    def __init__(self, items: list[str], offset: float, exponent: float = 1.0) -> None:
        self.items = items
        self.cum = list(accumulate(1 / (rank + offset) ** exponent for rank in range(1, len(items) + 1)))

    def draw(self, rng: random.Random) -> str:
        return self.items[min(bisect(self.cum, rng.random() * self.cum[-1]), len(self.items) - 1)]


KAZAKH_ROOTS = _Zipf(names.KAZAKH_ROOTS, 3)
RUSSIAN_SURNAMES = _Zipf(names.RUSSIAN_SURNAMES, 2)
GIVEN = {(True, "MALE"): _Zipf(names.KAZAKH_MALE, 3), (True, "FEMALE"): _Zipf(names.KAZAKH_FEMALE, 3),
         (False, "MALE"): _Zipf(names.RUSSIAN_MALE, 2), (False, "FEMALE"): _Zipf(names.RUSSIAN_FEMALE, 2)}
KAZAKH_GIVEN = frozenset(names.KAZAKH_MALE) | frozenset(names.KAZAKH_FEMALE)
_RU_STEMS = {"Пётр": "Петр", "Павел": "Павл", "Лев": "Льв", "Яков": "Яковл", "Михаил": "Михайл"}
_RU_IRREGULAR = {"Илья": ("Ильич", "Ильинична"), "Никита": ("Никитич", "Никитична"), "Лука": ("Лукич", "Лукинична"),
                 "Кузьма": ("Кузьмич", "Кузьминична"), "Игорь": ("Игоревич", "Игоревна")}


@dataclass(frozen=True)
class Question:
    """A check question: a PersonSubject, the register index it is about (None for a stranger), its kind."""

    subject: dict
    truth: int | None
    kind: str


def days_of(born: date) -> int:
    """Return a date as epoch days."""
    return (born - EPOCH).days


def digits_of(epoch_days: int) -> str:
    """Return epoch days as YYYYMMDD."""
    return (EPOCH + timedelta(days=epoch_days)).strftime("%Y%m%d")


def _epoch_of(text: str) -> int | None:
    """Return the epoch days of a YYYYMMDD text, None when it is no date or an implausible birth year."""
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return days_of(born) if 1900 <= born.year <= 2025 else None


def russian_patronymic(father: str, sex: str) -> str:
    """Return the -ович/-овна patronymic of a father's name, Kazakh ones too (Нұрлан → Нұрланович)."""
    male = sex == "MALE"
    if father in _RU_IRREGULAR:
        return _RU_IRREGULAR[father][0 if male else 1]
    if father.endswith("ий") and father not in ("Дмитрий", "Георгий"):
        return father[:-2] + ("ьевич" if male else "ьевна")
    if father[-1] in "аәеіиыұү":
        return (father[:-1] + "и" if father[-1] in "іы" else father) + ("евич" if male else "евна")
    return patronymic_of(_RU_STEMS.get(father, father), sex, kazakh=False)


_KAZAKH_FATHER = {russian_patronymic(f, sex): f for f in names.KAZAKH_MALE for sex in ("MALE", "FEMALE")}


def _feminine(surname: str) -> str:
    return surname[:-2] + "ая" if surname.endswith(("ский", "цкий")) else female(surname)


def _surname(rng: random.Random, kazakh: bool, sex: str) -> str:
    if not kazakh:
        surname = RUSSIAN_SURNAMES.draw(rng)
        return surname if sex == "MALE" else _feminine(surname)
    root = KAZAKH_ROOTS.draw(rng)
    if rng.random() < ULY_SURNAME_SHARE:
        return root + ("ұлы" if sex == "MALE" else "қызы")
    surname = names.kazakh_surname(root)
    return surname if sex == "MALE" else female(surname)


def _double(rng: random.Random, surname: str, sex: str) -> str:
    """Return a double surname: the person's own and a spouse's or parent's (Иванова-Сейткали)."""
    if rng.random() < 0.4:
        second = KAZAKH_ROOTS.draw(rng)
    else:
        second = _surname(rng, rng.random() < KAZAKH_SHARE, sex)
    plain = second != surname and "-" not in second and not second.endswith(("ұлы", "қызы"))
    return f"{surname}-{second}" if plain else surname


def _patronymic(rng: random.Random, kazakh: bool, sex: str) -> str:
    father = GIVEN[kazakh, "MALE"].draw(rng)
    if kazakh and rng.random() < 0.5:
        return patronymic_of(father, sex, kazakh=True)
    return russian_patronymic(father, sex)


def _other_patronymic(rng: random.Random, person: Person) -> str:
    """Return a patronymic from another father than the person's."""
    while (patronymic := _patronymic(rng, person.given_name in KAZAKH_GIVEN, person.sex)) == person.patronymic:
        pass
    return patronymic


def _draw(rng: random.Random) -> Person:
    """Return a new person drawn from the national frequencies."""
    kazakh, sex = rng.random() < KAZAKH_SHARE, "MALE" if rng.random() < 0.5 else "FEMALE"
    surname = _surname(rng, kazakh, sex)
    if rng.random() < (0.035 if sex == "FEMALE" else 0.005) and not surname.endswith(("ұлы", "қызы")):
        surname = _double(rng, surname, sex)
    patronymic = _patronymic(rng, kazakh, sex) if rng.random() < PATRONYMIC_SHARE else None
    born = rng.randint(FIRST_BORN, LAST_BORN)
    return Person(surname, GIVEN[kazakh, sex].draw(rng), patronymic, born, sex)


def _digit_typo(rng: random.Random, epoch_days: int, positions: range) -> int | None:
    """Return a valid date one digit away from a date at one of the given YYYYMMDD positions (None if none found)."""
    text = digits_of(epoch_days)
    for _ in range(100):
        at, digit = rng.choice(positions), rng.choice("0123456789")
        if digit != text[at] and (typo := _epoch_of(text[:at] + digit + text[at + 1:])) is not None:
            return typo
    return None


def _nearby(rng: random.Random, epoch_days: int, same: bool) -> int:
    """Return a birth date near another: the same (when allowed), days or months apart, same year or a digit off."""
    born, way = EPOCH + timedelta(days=epoch_days), rng.random()
    if way < 0.3:
        return epoch_days + rng.choice([-1, 1]) * rng.randint(1, 20)
    if way < 0.6:
        month = (born.month - 1 + rng.choice([-1, 1]) * rng.randint(1, 6)) % 12 + 1
        return days_of(date(born.year, month, min(born.day, 28)))
    if same and way < 0.7:
        return epoch_days
    if same:
        return days_of(date(born.year, 1, 1)) + rng.randrange(365)
    typo = _digit_typo(rng, epoch_days, range(8))
    return epoch_days + 1 if typo is None else typo


def _namesake(rng: random.Random, person: Person) -> Person:
    """Return a namesake of a person: the same surname and given name, another father, a nearby birth date."""
    born = _nearby(rng, person.birth_date, same=True)
    return Person(person.surname, person.given_name, _other_patronymic(rng, person), born, person.sex)


def register(count: int, seed: int) -> list[Person]:
    """Return `count` distinct persons with national name frequencies, a tenth of them in planted namesake pairs."""
    rng, seen, found = random.Random(seed), set(), []
    while len(found) < count:
        person = _namesake(rng, rng.choice(found)) if found and rng.random() < NAMESAKE_SHARE else _draw(rng)
        key = (person.surname, person.given_name, person.patronymic, person.birth_date)
        if key not in seen and FIRST_BORN <= person.birth_date <= LAST_BORN:
            seen.add(key)
            found.append(person)
    return found


class _NoTypo:
    """A random source for kkru.name_variant that picks its writer but never asks for a typo (it adds one when
    rng.random() < 0.2; should that change, _typo fails here for want of randrange, and a test checks too)."""

    def __init__(self, rng: random.Random) -> None:
        self.choice = rng.choice

    @staticmethod
    def random() -> float:
        return 1.0


def _spelling(rng: random.Random, name: str) -> str:
    """Return a name as another system writes it (through name_variant, no typo, never unchanged)."""
    for _ in range(20):
        if (written := name_variant(_NoTypo(rng), name)) != name:
            return written
    return _latin(ICAO, name)


def _subject(person: Person) -> dict:
    return {"iin": None, "surname": person.surname, "given_name": person.given_name,
            "patronymic": person.patronymic, "birth_date": person.birth_date, "birth_year": None, "sex": None,
            "document_number": None}


def _named(subject: dict) -> list[str]:
    return [field for field in ("surname", "given_name", "patronymic") if subject[field]]


def _transliterated(rng: random.Random, person: Person) -> dict:
    subject = _subject(person)
    fields = _named(subject)
    for field in [f for f in fields if rng.random() < 0.6] or [rng.choice(fields)]:
        subject[field] = _spelling(rng, subject[field])
    return subject


def _typoed(rng: random.Random, person: Person) -> dict | None:
    subject = _subject(person)
    field = rng.choice(_named(subject))
    for _ in range(10):
        if (typed := _typo(rng, subject[field])) != subject[field]:
            return {**subject, field: typed}
    return None


def _swapped(rng: random.Random, person: Person) -> dict | None:
    subject = _subject(person)
    subject["surname"], subject["given_name"] = person.given_name, person.surname
    return subject if person.surname != person.given_name else None


def _unpatronymic(rng: random.Random, person: Person) -> dict | None:
    return {**_subject(person), "patronymic": None} if person.patronymic else None


def _other_form(rng: random.Random, person: Person) -> dict | None:
    """Write a Kazakh patronymic in its other form (-ұлы ↔ -ович), transliterate a Russian one."""
    patronymic = person.patronymic
    if not patronymic:
        return None
    for tail in ("ұлы", "қызы"):
        if patronymic.endswith(tail):
            return {**_subject(person), "patronymic": russian_patronymic(patronymic[:-len(tail)], person.sex)}
    if patronymic in _KAZAKH_FATHER:
        return {**_subject(person), "patronymic": patronymic_of(_KAZAKH_FATHER[patronymic], person.sex, True)}
    return {**_subject(person), "patronymic": _latin(rng.choice(LATIN_TABLES), patronymic)}


def _surname_part(rng: random.Random, person: Person) -> dict | None:
    """Ask about a double surname by one part, or about a woman's single surname with a second part added."""
    parts = person.surname.split("-")
    if len(parts) > 1:
        return {**_subject(person), "surname": rng.choice(parts)}
    single = person.sex == "FEMALE" and not person.surname.endswith("қызы")
    both = _double(rng, person.surname, person.sex) if single else person.surname
    return {**_subject(person), "surname": both} if both != person.surname else None


def _date_typo(positions: range) -> Callable[[random.Random, Person], dict | None]:
    def variant(rng: random.Random, person: Person) -> dict | None:
        typo = _digit_typo(rng, person.birth_date, positions)
        return {**_subject(person), "birth_date": typo} if typo is not None else None
    return variant


def _year_off(rng: random.Random, person: Person) -> dict | None:
    text = digits_of(person.birth_date)
    shifted = [e for step in (-1, 1) if (e := _epoch_of(f"{int(text[:4]) + step}{text[4:]}")) is not None]
    return {**_subject(person), "birth_date": rng.choice(shifted)} if shifted else None


def _day_month_swap(rng: random.Random, person: Person) -> dict | None:
    text = digits_of(person.birth_date)
    if int(text[6:]) > 12 or text[4:6] == text[6:]:
        return None
    return {**_subject(person), "birth_date": _epoch_of(text[:4] + text[6:] + text[4:6])}


def _year_only(rng: random.Random, person: Person) -> dict | None:
    return {**_subject(person), "birth_date": None, "birth_year": int(digits_of(person.birth_date)[:4])}


def _combined(rng: random.Random, person: Person) -> dict | None:
    typo = _digit_typo(rng, person.birth_date, rng.choice([YEAR, MONTH, DAY]))
    return {**_transliterated(rng, person), "birth_date": typo} if typo is not None else None


VARIANTS: dict[str, Callable[[random.Random, Person], dict | None]] = {
    "exact": lambda rng, person: _subject(person), "transliteration": _transliterated, "typo": _typoed,
    "swapped_order": _swapped, "no_patronymic": _unpatronymic, "patronymic_form": _other_form,
    "double_surname_part": _surname_part, "date_day_typo": _date_typo(DAY), "date_month_typo": _date_typo(MONTH),
    "date_year_digit_typo": _date_typo(YEAR), "date_year_off_by_one": _year_off,
    "date_day_month_swap": _day_month_swap, "year_only": _year_only, "combined": _combined}


def _drawn(weights: dict[str, int]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    return tuple(weights), tuple(accumulate(weights.values()))


TRUE_DRAW, STRANGER_DRAW = _drawn(KINDS), _drawn(STRANGER_KINDS)


def _pick(rng: random.Random, drawn: tuple[tuple[str, ...], tuple[int, ...]]) -> str:
    kinds, cum = drawn
    return kinds[bisect(cum, rng.random() * cum[-1])]


def _true_question(rng: random.Random, truth: int, person: Person) -> Question:
    """Return a question about a register person, of a kind drawn again when it does not apply to them."""
    kind = _pick(rng, TRUE_DRAW)
    while (subject := VARIANTS[kind](rng, person)) is None:  # only double_surname_part falls back to exact
        kind = "exact" if kind == "double_surname_part" else _pick(rng, TRUE_DRAW)
    return Question({**subject, "sex": person.sex if rng.random() < 0.5 else None}, truth, kind)


def _stranger_namesake(rng: random.Random, people: list[Person]) -> Person:
    """Return another father's child with a register person's surname and given name, born nearby."""
    person = rng.choice(people)
    born = _nearby(rng, person.birth_date, same=False)
    return Person(person.surname, person.given_name, _other_patronymic(rng, person), born, person.sex)


def _stranger_crossed(rng: random.Random, people: list[Person]) -> Person | None:
    """Return a stranger whose surname is made from a register person's given name, born the same day."""
    person = rng.choice(people)
    if person.given_name not in names.KAZAKH_MALE:
        return None
    sex = "MALE" if rng.random() < 0.5 else "FEMALE"
    if rng.random() < 0.8:
        surname = names.kazakh_surname(person.given_name)
        surname = surname if sex == "MALE" else female(surname)
    else:
        surname = person.given_name + ("ұлы" if sex == "MALE" else "қызы")
    while (given := GIVEN[True, sex].draw(rng)) == person.given_name:
        pass
    patronymic = _patronymic(rng, True, sex) if rng.random() < PATRONYMIC_SHARE else None
    return Person(surname, given, patronymic, person.birth_date, sex)


def _plain_stranger(rng: random.Random, people: list[Person]) -> Person:
    return _draw(rng)


STRANGERS: dict[str, Callable[[random.Random, list[Person]], Person | None]] = {
    "stranger": _plain_stranger, "stranger_namesake": _stranger_namesake, "stranger_crossed": _stranger_crossed}


def _stranger(rng: random.Random, kind: str, people: list[Person], taken: set[tuple]) -> Person | None:
    """Return a stranger of a kind, born 1940–2008, whose surname, given name and birth date no register person has."""
    for _ in range(200):
        stranger = STRANGERS[kind](rng, people)
        if (stranger and (stranger.surname, stranger.given_name, stranger.birth_date) not in taken
                and FIRST_BORN <= stranger.birth_date <= LAST_BORN):
            return stranger
    return None


def _stranger_question(rng: random.Random, people: list[Person], taken: set[tuple]) -> Question:
    """Return a question about someone not on the register (a plain stranger when a trap cannot be set)."""
    kind = _pick(rng, STRANGER_DRAW)
    if (stranger := _stranger(rng, kind, people, taken)) is None:
        kind, stranger = "stranger", _stranger(rng, "stranger", people, taken)
    if stranger is None:
        raise RuntimeError("no stranger could be drawn")
    subject = _subject(stranger)
    if kind == "stranger":  # written like the true questions are, typos included
        for field in _named(subject):
            subject[field] = name_variant(rng, subject[field]) if rng.random() < 0.3 else subject[field]
    form = rng.random() * sum(KINDS.values())  # asked in the forms true questions are, in the same shares
    if form < KINDS["year_only"]:
        subject = {**subject, "birth_date": None, "birth_year": int(digits_of(stranger.birth_date)[:4])}
    elif form < KINDS["year_only"] + KINDS["no_patronymic"]:
        subject = {**subject, "patronymic": None}
    return Question({**subject, "sex": stranger.sex if rng.random() < 0.5 else None}, None, kind)


def questions(people: list[Person], strangers: int, seed: int) -> list[Question]:
    """One question per register person (a variant of them) plus `strangers` about people off it."""
    rng = random.Random(seed)
    asked = [_true_question(rng, truth, person) for truth, person in enumerate(people)]
    taken = {(person.surname, person.given_name, person.birth_date) for person in people}
    asked += [_stranger_question(rng, people, taken) for _ in range(strangers)]
    rng.shuffle(asked)
    return asked


def kinds_summary(qs: list[Question]) -> dict[str, int]:
    """Return how many questions there are of each kind, most frequent first."""
    return dict(Counter(question.kind for question in qs).most_common())
