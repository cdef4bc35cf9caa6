"""A seeded set of Kazakh and Russian persons and the ways their names and birth dates get written
differently: transliterations (ICAO 9303, GOST 7.79, the 2021 Kazakh Latin alphabet, older passports),
Russified Kazakh letters, Дж for Ж, typos, swapped order, missing patronymics, day/month swaps."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

KAZAKH_SURNAMES = ["Сейтқалиев", "Жұмабеков", "Нұрланов", "Әбілқасымов", "Қасымов", "Ғабдуллин", "Тоқтаров",
                   "Өтегенов", "Ұзақбаев", "Есенов", "Сүлейменов", "Байжанов", "Жақсылықов", "Құрманғалиев",
                   "Мұхамеджанов", "Шәріпов", "Ибраев", "Серікбаев", "Тұрсынов", "Әлиев", "Бекмұхамбетов",
                   "Дүйсенбаев", "Қайыржанов", "Омаров", "Рахымжанов", "Темірғалиев", "Ахметов", "Исабеков",
                   "Кенжебаев", "Мамыров", "Нұрғалиев", "Оспанов", "Сағынтаев", "Төлеуов", "Хамитов", "Шайхин",
                   "Ержанов", "Жанұзақов", "Бейсенов", "Әбдірахманов"]
RUSSIAN_SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов",
                    "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов",
                    "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Захаров",
                    "Щербаков", "Шевченко", "Ким", "Цой", "Пак"]
KAZAKH_MALE = ["Әлихан", "Нұрсұлтан", "Ерлан", "Данияр", "Бауыржан", "Ержан", "Арман", "Асқар", "Ғалым", "Қайрат",
               "Нұрлан", "Серік", "Талғат", "Жандос", "Ілияс", "Ақжол", "Мұрат", "Дәулет", "Ербол", "Азамат"]
KAZAKH_FEMALE = ["Айгерім", "Гүлнар", "Динара", "Әсел", "Жанар", "Мадина", "Сәуле", "Айжан", "Ақбота", "Гүлмира",
                 "Дана", "Жұлдыз", "Құралай", "Меруерт", "Нұргүл", "Салтанат", "Толқын", "Ұлжан", "Әйгерім", "Інжу"]
RUSSIAN_MALE = ["Сергей", "Алексей", "Дмитрий", "Андрей", "Николай", "Юрий", "Евгений", "Владимир", "Михаил",
                "Илья", "Фёдор", "Игорь", "Вячеслав", "Константин", "Яков"]
RUSSIAN_FEMALE = ["Ольга", "Юлия", "Наталья", "Елена", "Татьяна", "Ирина", "Светлана", "Екатерина", "Анастасия",
                  "Людмила", "Ксения", "Валентина", "Дарья", "Яна", "Жанна"]

ICAO = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
                ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                 "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia", "a", "g", "k", "n", "o",
                 "u", "u", "h", "i"]))
GOST = {**ICAO, "й": "j", "х": "x", "ц": "cz", "щ": "shh", "ъ": "``", "ы": "y`", "ь": "`", "э": "e`", "ю": "yu",
        "я": "ya", "ё": "yo", "ә": "a`", "ө": "o`", "ү": "u`", "ұ": "u``", "ғ": "g`", "қ": "q", "ң": "n`", "һ": "h"}
KZ2021 = {**ICAO, "ә": "ä", "ғ": "ğ", "қ": "q", "ң": "ñ", "ө": "ö", "ұ": "ū", "ү": "ü", "һ": "h", "і": "i",
          "ы": "y", "ж": "j", "ш": "ş", "ч": "ç", "х": "h", "й": "i", "ю": "iu", "я": "ia", "ц": "ts", "щ": "şş"}
OLD_PASSPORT = {**ICAO, "й": "y", "ю": "yu", "я": "ya", "х": "kh", "ы": "y", "ц": "ts", "щ": "sch", "е": "e"}
RUSSIFIED = dict(zip("әғқңөұүһі", "агкноуухи"))


@dataclass(frozen=True)
class Person:
    """One enrolled person: names in Cyrillic and a birth date (epoch days)."""

    surname: str
    given_name: str
    patronymic: str | None
    birth_date: int
    sex: str


def _latin(table: dict[str, str], name: str, initial_ye: bool = False) -> str:
    out = []
    for position, ch in enumerate(name.lower()):
        piece = table.get(ch, ch)
        if initial_ye and ch == "е" and position == 0:
            piece = "ye"
        out.append(piece)
    text = "".join(out)
    return text[:1].upper() + text[1:]


def female(surname: str) -> str:
    """Return the female form of a surname (-ов/-ев/-ин gain -а; others stay)."""
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname


def patronymic_of(father: str, sex: str, kazakh: bool) -> str:
    """Return a patronymic: Kazakh -ұлы/-қызы or Russian -ович/-овна."""
    if kazakh:
        return father + ("ұлы" if sex == "MALE" else "қызы")
    base = father[:-1] + "е" if father.endswith("й") else father + "о"
    return base + ("вич" if sex == "MALE" else "вна")


def persons(count: int, seed: int) -> list[Person]:
    """Return `count` distinct persons (no two share surname, given name and birth date)."""
    rng, seen, found = random.Random(seed), set(), []
    while len(found) < count:
        kazakh, sex = rng.random() < 0.65, rng.choice(["MALE", "FEMALE"])
        surname = rng.choice(KAZAKH_SURNAMES if kazakh else RUSSIAN_SURNAMES)
        surname = surname if sex == "MALE" else female(surname)
        given = rng.choice((KAZAKH_MALE if sex == "MALE" else KAZAKH_FEMALE) if kazakh else
                           (RUSSIAN_MALE if sex == "MALE" else RUSSIAN_FEMALE))
        father = rng.choice(KAZAKH_MALE if kazakh else RUSSIAN_MALE)
        patronymic = patronymic_of(father, sex, kazakh) if rng.random() < 0.85 else None
        born = (date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)) - date(1970, 1, 1)).days
        if (surname, given, born) not in seen:
            seen.add((surname, given, born))
            found.append(Person(surname, given, patronymic, born, sex))
    return found


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(["drop", "double", "swap", "replace"])
    if kind == "drop":
        return text[:i] + text[i + 1:]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    vowels = "аеиоуыэяю" if text[0].lower() in ICAO else "aeiouy"
    return text[:i] + rng.choice(vowels) + text[i + 1:]


def name_variant(rng: random.Random, name: str) -> str:
    """Return a name as another register or document might write it."""
    writer: Callable[[str], str] = rng.choice([
        lambda n: n, lambda n: "".join(RUSSIFIED.get(c, c) for c in n),
        lambda n: _latin(ICAO, n), lambda n: _latin(GOST, n), lambda n: _latin(KZ2021, n),
        lambda n: _latin(OLD_PASSPORT, n, initial_ye=True), lambda n: n.upper(),
        lambda n: n.replace("Ж", "Дж", 1) if n.startswith("Ж") else n,
    ])
    written = writer(name)
    return _typo(rng, written) if rng.random() < 0.2 else written


def date_variant(rng: random.Random, epoch_days: int) -> dict[str, int | None]:
    """Return the birth date as asked: as enrolled, with day and month swapped, or with a mistyped day."""
    born = date(1970, 1, 1) + timedelta(days=epoch_days)
    kind = rng.random()
    if kind < 0.8:
        return {"birth_date": epoch_days, "birth_year": None}
    if kind < 0.9 and born.day <= 12 and born.day != born.month:
        return {"birth_date": (date(born.year, born.day, born.month) - date(1970, 1, 1)).days, "birth_year": None}
    day = born.day + (1 if born.day < 28 else -1)
    return {"birth_date": (date(born.year, born.month, day) - date(1970, 1, 1)).days, "birth_year": None}


def query_of(rng: random.Random, person: Person) -> dict:
    """Return a check subject for a person, written as another system would."""
    surname, given = name_variant(rng, person.surname), name_variant(rng, person.given_name)
    if rng.random() < 0.1:
        surname, given = given, surname
    patronymic = name_variant(rng, person.patronymic) if person.patronymic and rng.random() < 0.5 else None
    return {"iin": None, "surname": surname, "given_name": given, "patronymic": patronymic,
            "sex": person.sex if rng.random() < 0.5 else None, "document_number": None,
            **date_variant(rng, person.birth_date)}
