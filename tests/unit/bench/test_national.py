"""The national register benchmark: seeded, heavy-tailed names, planted namesakes, and labelled check questions."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from hub.bench import national
from hub.bench.kkru import GOST, ICAO, KZ2021, OLD_PASSPORT, RUSSIFIED, _latin, female
from hub.bench.national_names import KAZAKH_MALE, kazakh_surname

COUNT, STRANGERS = 5000, 1000


@pytest.fixture(scope="module")
def people() -> list[national.Person]:
    return national.register(COUNT, 3)


@pytest.fixture(scope="module")
def asked(people) -> list[national.Question]:
    return national.questions(people, STRANGERS, 4)


def key(person: national.Person) -> tuple:
    return person.surname, person.given_name, person.patronymic, person.birth_date


def of_kind(asked, kind: str) -> list[national.Question]:
    return [q for q in asked if q.kind == kind]


def test_the_same_seed_gives_the_same_register_and_questions():
    first, again = national.register(1500, 9), national.register(1500, 9)
    assert first == again and first != national.register(1500, 10)
    assert national.questions(first, 300, 2) == national.questions(again, 300, 2)
    assert national.questions(first, 300, 2) != national.questions(first, 300, 3)


def test_the_register_looks_like_kazakhstan(people):
    assert len(people) == COUNT and len({key(p) for p in people}) == COUNT
    assert all(1940 <= int(national.digits_of(p.birth_date)[:4]) <= 2008 for p in people)
    kazakh = sum(p.given_name in national.KAZAKH_GIVEN for p in people) / COUNT
    assert 0.6 < kazakh < 0.7
    assert 0.1 < sum(p.patronymic is None for p in people) / COUNT < 0.2
    assert 0.01 < sum("-" in p.surname for p in people) / COUNT < 0.04
    women = [p for p in people if p.sex == "FEMALE"]
    assert not [p for p in women if p.surname.split("-")[0].endswith(("ов", "ев", "ин", "ұлы"))]
    assert not [p for p in women if p.patronymic and p.patronymic.endswith(("ович", "евич", "ұлы"))]
    assert {"Ким", "Цой", "Пак"} <= {p.surname for p in people}
    assert any(p.surname.endswith("енко") for p in people) and any(p.surname.endswith("ұлы") for p in people)
    assert any(p.patronymic and p.patronymic[-4:] in ("ович", "овна") and p.given_name in national.KAZAKH_GIVEN
               for p in people)


def test_name_frequencies_have_a_heavy_tail(people):
    surnames = Counter(p.surname for p in people)
    top10 = sum(n for _, n in surnames.most_common(10)) / COUNT
    assert 0.08 <= top10 <= 0.25
    assert surnames.most_common(1)[0][1] / COUNT < 0.04
    assert sum(n == 1 for n in surnames.values()) / len(surnames) >= 0.4
    given = Counter(p.given_name for p in people)
    assert 0.01 < given.most_common(1)[0][1] / COUNT < 0.06
    assert len(given) > 400


def test_namesakes_are_planted(people):
    by_name = defaultdict(list)
    for person in people:
        by_name[person.surname, person.given_name].append(person)
    with_namesake = sum(
        any(o.patronymic != p.patronymic and abs(o.birth_date - p.birth_date) <= 366 for o in group if o is not p)
        for group in by_name.values() for p in group)
    assert with_namesake / COUNT >= 0.06


def test_surnames_made_from_given_names_are_on_the_register(people):
    surnames = {p.surname for p in people}
    made = {g for g in KAZAKH_MALE if kazakh_surname(g) in surnames or female(kazakh_surname(g)) in surnames}
    assert len(made & {p.given_name for p in people}) >= 30


def test_every_kind_is_asked_in_about_the_planned_shares(people, asked):
    summary = national.kinds_summary(asked)
    assert set(summary) == set(national.KINDS) | set(national.STRANGER_KINDS)
    assert sum(summary.values()) == len(asked) == COUNT + STRANGERS
    assert sorted(q.truth for q in asked if q.truth is not None) == list(range(COUNT))
    assert all((q.truth is None) == q.kind.startswith("stranger") for q in asked)
    assert 0.15 < summary["transliteration"] / COUNT < 0.25 and 0.03 < summary["combined"] / COUNT < 0.08
    dates = sum(n for kind, n in summary.items() if kind.startswith("date_") or kind == "year_only")
    assert 0.25 < dates / COUNT < 0.35
    assert summary["stranger_namesake"] / STRANGERS >= 0.3 and summary["stranger_crossed"] / STRANGERS >= 0.05
    assert 0.4 < sum(q.subject["sex"] is not None for q in asked) / len(asked) < 0.6


def test_the_name_kinds_change_what_they_say(people, asked):
    for q in of_kind(asked, "exact"):
        assert (q.subject["surname"], q.subject["given_name"], q.subject["patronymic"],
                q.subject["birth_date"]) == key(people[q.truth])
    for q in of_kind(asked, "swapped_order"):
        person = people[q.truth]
        assert (q.subject["surname"], q.subject["given_name"]) == (person.given_name, person.surname)
    for q in of_kind(asked, "no_patronymic"):
        assert q.subject["patronymic"] is None and people[q.truth].patronymic
    for q in of_kind(asked, "transliteration") + of_kind(asked, "typo") + of_kind(asked, "patronymic_form"):
        names = (q.subject["surname"], q.subject["given_name"], q.subject["patronymic"])
        assert names != key(people[q.truth])[:3] and q.subject["birth_date"] == people[q.truth].birth_date
    for q in of_kind(asked, "double_surname_part"):
        assert q.subject["surname"] != people[q.truth].surname
        assert q.subject["surname"] in people[q.truth].surname or people[q.truth].surname in q.subject["surname"]


def writings(name: str) -> set[str]:
    """Every typo-free way kkru.name_variant may write a name."""
    return {name, name.upper(), "".join(RUSSIFIED.get(c, c) for c in name), _latin(OLD_PASSPORT, name, True),
            name.replace("Ж", "Дж", 1), *(_latin(table, name) for table in (ICAO, GOST, KZ2021))}


def test_a_transliteration_carries_no_typo(people, asked):
    for q in of_kind(asked, "transliteration"):
        person = people[q.truth]
        for field in ("surname", "given_name", "patronymic"):
            assert q.subject[field] in writings(getattr(person, field) or "") | {None}


@pytest.mark.parametrize("kind, positions", [("date_year_digit_typo", range(0, 4)), ("date_month_typo", range(4, 6)),
                                             ("date_day_typo", range(6, 8))])
def test_a_date_typo_changes_one_digit_of_its_part(people, asked, kind, positions):
    for q in of_kind(asked, kind):
        said, true = national.digits_of(q.subject["birth_date"]), national.digits_of(people[q.truth].birth_date)
        differing = [n for n in range(8) if said[n] != true[n]]
        assert len(differing) == 1 and differing[0] in positions


def test_the_other_date_kinds(people, asked):
    for q in of_kind(asked, "date_year_off_by_one"):
        said, true = national.digits_of(q.subject["birth_date"]), national.digits_of(people[q.truth].birth_date)
        assert abs(int(said[:4]) - int(true[:4])) == 1 and said[4:] == true[4:]
    for q in of_kind(asked, "date_day_month_swap"):
        said, true = national.digits_of(q.subject["birth_date"]), national.digits_of(people[q.truth].birth_date)
        assert said == true[:4] + true[6:] + true[4:6] and said != true
    for q in of_kind(asked, "year_only"):
        assert q.subject["birth_date"] is None
        assert q.subject["birth_year"] == int(national.digits_of(people[q.truth].birth_date)[:4])


def test_a_stranger_namesake_is_another_fathers_child(people, asked):
    by_name = defaultdict(list)
    for person in people:
        by_name[person.surname, person.given_name].append(person)
    for q in of_kind(asked, "stranger_namesake"):
        namesakes = by_name[q.subject["surname"], q.subject["given_name"]]
        assert namesakes
        if q.subject["patronymic"]:  # a stranger too is sometimes asked without it
            assert any(p.patronymic != q.subject["patronymic"] for p in namesakes)
        if q.subject["birth_date"] is not None:
            assert all(p.birth_date != q.subject["birth_date"] for p in namesakes)


def test_strangers_are_asked_in_the_forms_true_persons_are(asked):
    strangers = [q for q in asked if q.truth is None]
    year_only = sum(q.subject["birth_date"] is None for q in strangers) / len(strangers)
    no_patronymic = sum(q.subject["patronymic"] is None for q in strangers) / len(strangers)
    shares = national.KINDS
    assert abs(year_only - shares["year_only"] / sum(shares.values())) < 0.02
    assert no_patronymic > shares["no_patronymic"] / sum(shares.values())  # and those with none to give
    assert all(q.subject["birth_year"] for q in strangers if q.subject["birth_date"] is None)


def test_a_crossed_stranger_takes_a_register_given_name_as_surname(people, asked):
    born = defaultdict(set)
    for person in people:
        born[person.birth_date].add(person.given_name)
    for q in of_kind(asked, "stranger_crossed"):
        if q.subject["birth_date"] is None:  # asked by the year only
            continue
        given_names = born[q.subject["birth_date"]]
        assert any(q.subject["surname"] in (kazakh_surname(g), female(kazakh_surname(g)), g + "ұлы", g + "қызы")
                   for g in given_names)


def test_no_stranger_is_a_register_person(people, asked):
    enrolled = {key(p) for p in people}
    said = {(p.surname, p.given_name, p.birth_date) for p in people}
    for q in asked:
        if q.truth is None:
            subject = q.subject
            assert (subject["surname"], subject["given_name"], subject["patronymic"], subject["birth_date"]) \
                not in enrolled
            assert (subject["surname"], subject["given_name"], subject["birth_date"]) not in said
            year = subject["birth_year"] if subject["birth_date"] is None else \
                int(national.digits_of(subject["birth_date"])[:4])
            assert 1940 <= year <= 2008
