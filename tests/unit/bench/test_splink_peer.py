"""The Splink peer measurement: its input rows and its links on a small synthetic set."""

from __future__ import annotations

import random
from datetime import date

import pytest

from hub.bench.splink_peer import splink_link, splink_precision_recall, splink_rows

SURNAMES = ["Johnson", "Brown", "Kowalski", "Nakamura", "Fernandez", "Okafor", "Lindqvist", "Moreau", "Rossi",
            "Schneider", "Haddad", "Novak", "Duarte", "Kaplan", "Obi", "Walsh", "Petersen", "Castillo"]
GIVEN_NAMES = ["Oliver", "Amelia", "Lucas", "Sofia", "Mateo", "Hannah", "Noah", "Chloe", "Elias", "Greta",
               "Tomas", "Irene", "Felix", "Clara", "Hugo", "Marta"]
STRANGER_SURNAMES = ["Quigley", "Vanterpool", "Zabrocki", "Heathcote", "Umberger"]
STRANGER_GIVEN_NAMES = ["Bartholomew", "Philippa", "Cornelius", "Wilhelmina"]
PERSONS, STRANGERS = 300, 40


def epoch_days(year: int, month: int, day: int) -> int:
    return (date(year, month, day) - date(1970, 1, 1)).days


def person(rng: random.Random, surnames: list[str], given_names: list[str], first_year: int) -> dict:
    return {"surname": rng.choice(surnames), "given_name": rng.choice(given_names), "patronymic": None,
            "birth_date": epoch_days(first_year, 1, 1) + rng.randrange(365 * 20), "birth_year": None,
            "sex": rng.choice(["MALE", "FEMALE"])}


def typo(rng: random.Random, name: str) -> str:
    """Return a name with two neighbouring letters swapped or one letter dropped."""
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:] if rng.random() < 0.5 else name[:i] + name[i + 1:]


def query_of(rng: random.Random, enrolled: dict) -> dict:
    """Return a copy of a person, exact or with a typo in one name, and without sex half the time."""
    query = dict(enrolled, sex=enrolled["sex"] if rng.random() < 0.5 else None)
    if rng.random() < 0.5:
        field = rng.choice(["surname", "given_name"])
        query[field] = typo(rng, query[field])
    return query


@pytest.fixture(scope="module")
def synthetic() -> tuple[list[dict], list[dict], list[int | None]]:
    """Return a register, its queries (a copy of each person, then strangers) and each query's true record."""
    rng = random.Random(5)
    register = [person(rng, SURNAMES, GIVEN_NAMES, 1950) for _ in range(PERSONS)]
    strangers = [person(rng, STRANGER_SURNAMES, STRANGER_GIVEN_NAMES, 1920) for _ in range(STRANGERS)]
    queries = [query_of(rng, p) for p in register] + strangers
    return register, queries, list(range(PERSONS)) + [None] * STRANGERS


def test_rows_use_the_hubs_name_keys_iso_dates_and_known_sexes():
    rows = splink_rows([{"surname": "Жұмабеков", "given_name": "Ерлан", "patronymic": "", "birth_date": 0,
                         "birth_year": None, "sex": "MALE"},
                        {"surname": "Zhumabekov", "given_name": "Yerlan", "patronymic": None, "birth_date": None,
                         "birth_year": 1971, "sex": "UNKNOWN"}], "q")
    assert [row["unique_id"] for row in rows] == ["q0", "q1"]
    assert rows[0]["surname"] == rows[1]["surname"] and rows[0]["surname"]
    assert rows[0]["given_name"] == rows[1]["given_name"] and rows[0]["patronymic"] is None
    assert (rows[0]["birth_date"], rows[0]["birth_year"], rows[0]["sex"]) == ("1970-01-01", 1970, "MALE")
    assert (rows[1]["birth_date"], rows[1]["birth_year"], rows[1]["sex"]) == (None, 1971, None)


def test_rows_join_the_keys_of_a_double_surname():
    row = splink_rows([{"surname": "Иванова-Сейткали", "given_name": None, "patronymic": None, "birth_date": None,
                        "birth_year": None, "sex": None}], "r")[0]
    assert len(row["surname"].split(" ")) == 2 and row["given_name"] is None and row["birth_year"] is None


def test_precision_and_recall_are_high_on_copies_and_typos(synthetic):
    precision, recall = splink_precision_recall(*synthetic)
    assert precision >= 0.9 and recall >= 0.9


def test_a_stranger_is_not_linked_and_links_come_best_first(synthetic):
    register, queries, _ = synthetic
    stranger = {"surname": "Xylander", "given_name": "Eustace", "patronymic": None,
                "birth_date": epoch_days(1901, 2, 3), "birth_year": None, "sex": "MALE"}
    links = splink_link(register, [*queries, stranger])
    assert links[len(queries)] == [] and set(links) == set(range(len(queries) + 1))
    assert all(links[query] == [] for query in range(PERSONS, len(queries)))  # the strangers of the fixture
    assert all(found == sorted(found, key=lambda link: -link[1]) for found in links.values())
    assert all(0.9 <= probability <= 1 for found in links.values() for _, probability in found)
