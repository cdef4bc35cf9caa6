"""Peer measurement of person matching with Splink (v4, DuckDB): a Fellegi-Sunter model trained by EM."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from hub.domain.matching.names import name_keys

NAMES = ("surname", "given_name", "patronymic")
COLUMNS = ("unique_id", *NAMES, "birth_date", "birth_year", "sex")
EPOCH = date(1970, 1, 1)
SEXES = ("MALE", "FEMALE")
REGISTER, QUERIES = "r", "q"
SWAPPED = ("substr(l.surname, 1, 3) = substr(r.given_name, 1, 3) "
           "AND substr(l.given_name, 1, 3) = substr(r.surname, 1, 3)")
SWAPPED_NAMES = ("jaro_winkler_similarity(surname_l, given_name_r) >= 0.92 "
                 "AND jaro_winkler_similarity(given_name_l, surname_r) >= 0.92")
U_SAMPLE_PAIRS = 2_000_000
DETERMINISTIC_RECALL = 0.7


def _name_key(name: str | None) -> str | None:
    return " ".join(name_keys(name)) or None


def _iso_date(epoch_days: int | None) -> str | None:
    return None if epoch_days is None else (EPOCH + timedelta(days=epoch_days)).isoformat()


def _birth_year(person: dict) -> int | None:
    if person.get("birth_year") is not None:
        return int(person["birth_year"])
    return None if person.get("birth_date") is None else (EPOCH + timedelta(days=person["birth_date"])).year


def splink_rows(people: list[dict], prefix: str) -> list[dict]:
    """Turn person dicts (keys: surname, given_name, patronymic, birth_date (epoch days int or None), birth_year
    (int or None), sex ('MALE'/'FEMALE'/other/None)) into Splink input rows with unique_id f"{prefix}{i}", the names
    normalised by the hub's own hub.domain.matching.names.name_keys (parts joined by a space, None when empty),
    birth_date as ISO 'YYYY-MM-DD' string or None, birth_year int or None (the year of birth_date when only that is
    given), sex or None (anything but MALE or FEMALE is None)."""
    return [{"unique_id": f"{prefix}{i}", **{name: _name_key(person.get(name)) for name in NAMES},
             "birth_date": _iso_date(person.get("birth_date")), "birth_year": _birth_year(person),
             "sex": person.get("sex") if person.get("sex") in SEXES else None}
            for i, person in enumerate(people)]


def _frame(rows: list[dict]) -> Any:
    """Return rows as a pandas frame of nullable string and integer columns (so a column of None keeps its type)."""
    import pandas as pd

    return pd.DataFrame({column: pd.array([row[column] for row in rows],
                                          dtype="Int64" if column == "birth_year" else "string")
                         for column in COLUMNS})


def _name_comparison(column: str) -> Any:
    """Return the Jaro-Winkler comparison of a name column (with a swapped surname/given name level for those)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    swapped = [cll.CustomLevel(SWAPPED_NAMES, "surname and given name swapped")] if column != "patronymic" else []
    if column == "given_name":  # the swap's evidence is counted once, in the surname; here it says nothing
        swapped = [swapped[0].configure(is_null_level=True)]
    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column), cll.ExactMatchLevel(column, term_frequency_adjustments=True), *swapped,
        cll.JaroWinklerLevel(column, 0.92), cll.JaroWinklerLevel(column, 0.8), cll.ElseLevel()])


def _birth_comparison() -> Any:
    """Return the birth comparison: same date, one character off, same year, else (null without a year)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(output_column_name="birth", comparison_levels=[
        cll.NullLevel("birth_year"), cll.ExactMatchLevel("birth_date"), cll.DamerauLevenshteinLevel("birth_date", 1),
        cll.ExactMatchLevel("birth_year"), cll.ElseLevel()])


def _present(register_rows: list[dict], query_rows: list[dict]) -> set[str]:
    """Return the columns that hold a value on both sides (an all-null column would break EM)."""
    return {column for column in COLUMNS[1:] if any(row[column] is not None for row in register_rows)
            and any(row[column] is not None for row in query_rows)}


def _comparisons(present: set[str]) -> list[Any]:
    """Return the comparisons of the present columns."""
    import splink.comparison_library as cl

    comparisons = [_name_comparison(name) for name in NAMES if name in present]
    comparisons += [_birth_comparison()] if "birth_year" in present else []
    return comparisons + ([cl.ExactMatch("sex")] if "sex" in present else [])


def _settings(comparisons: list[Any]) -> Any:
    """Return the link-only model settings with the prediction blocking rules."""
    from splink import SettingsCreator, block_on

    rules = [block_on("substr(surname, 1, 3)", "birth_year"), block_on("birth_date"),
             block_on("substr(surname, 1, 3)", "substr(given_name, 1, 3)"), SWAPPED]
    return SettingsCreator(link_type="link_only", comparisons=comparisons,
                           blocking_rules_to_generate_predictions=rules, retain_intermediate_calculation_columns=False)


def _train(linker: Any, seed: int, present: set[str]) -> None:
    """Estimate the prior from exact agreement, u by random sampling, then m of names and sex, then m of birth."""
    from splink import block_on

    training = linker.training
    # Birth is trained among namesakes with the same patronymic and sex: blocked on names alone, a narrow name pool's
    # namesakes agree on sex (gendered names) and patronymic far more often than random pairs do, and EM then takes
    # them for matches whatever their birth dates (m of 'birth differs' came out at 0.2-0.7 instead of ~0).
    same_person = [column for column in ("surname", "given_name", "patronymic", "sex") if column in present]
    training.estimate_probability_two_random_records_match(
        [block_on("surname", "given_name", "birth_date")], recall=DETERMINISTIC_RECALL)
    training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    training.estimate_parameters_using_expectation_maximisation(block_on(*same_person))


@contextmanager
def _quiet_splink() -> Iterator[None]:
    """Hold Splink's logger at WARNING for the duration (its INFO lines narrate every step)."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _index(unique_id: str) -> tuple[str, int]:
    return unique_id[:1], int(unique_id[1:])


def _links(predictions: list[dict], queries: int) -> dict[int, list[tuple[int, float]]]:
    """Return the register links of each query, best first, from predicted pairs (either side may come first)."""
    links: dict[int, list[tuple[int, float]]] = {i: [] for i in range(queries)}
    for pair in predictions:
        ends = dict([_index(pair["unique_id_l"]), _index(pair["unique_id_r"])])
        links[ends[QUERIES]].append((ends[REGISTER], float(pair["match_probability"])))
    return {i: sorted(found, key=lambda link: (-link[1], link[0])) for i, found in links.items()}


def splink_link(register: list[dict], queries: list[dict], threshold: float = 0.9,
                seed: int = 1) -> dict[int, list[tuple[int, float]]]:
    """Link queries to the register with Splink (link_only, DuckDB, EM-trained m, u by random sampling,
    term-frequency adjustments on surname, given_name and patronymic) and return, per query index, the register
    indexes whose match probability is at least threshold, with it, best first."""
    import duckdb
    from splink import DuckDBAPI, Linker

    register_rows, query_rows = splink_rows(register, REGISTER), splink_rows(queries, QUERIES)
    present = _present(register_rows, query_rows)
    connection = duckdb.connect(":memory:")
    connection.execute("SET enable_progress_bar = false")
    try:
        with _quiet_splink():
            linker = Linker([_frame(register_rows), _frame(query_rows)], _settings(_comparisons(present)),
                            DuckDBAPI(connection), set_up_basic_logging=False,
                            input_table_aliases=["register", "queries"])
            _train(linker, seed, present)
            predictions = linker.inference.predict(threshold_match_probability=threshold).as_record_dict()
    finally:
        connection.close()
    return _links(predictions, len(queries))


def splink_precision_recall(register_people: list[dict], query_people: list[dict], truth: list[int | None],
                            threshold: float = 0.9) -> tuple[float, float]:
    """Return (precision, recall) of Splink's links counted like the hub's HITs: every linked pair that is not the
    true one is a false positive; recall is true links over queries with a true record."""
    links = splink_link(register_people, query_people, threshold)
    true_positive = false_positive = expected = 0
    for query, record in enumerate(truth):
        linked = {index for index, _ in links[query]}
        expected += record is not None
        true_positive += record in linked
        false_positive += len(linked - {record})
    return true_positive / max(true_positive + false_positive, 1), true_positive / max(expected, 1)
