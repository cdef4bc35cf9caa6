"""Three rounds of a benchmark make one figure: the median, and the spread beside it."""

from __future__ import annotations

from hub.bench.repeats import ratio, repeated, summary


def test_each_figure_is_the_median_of_the_rounds_with_their_spread():
    rounds = [{"p99_ms": 30.1, "per_s": 17000}, {"p99_ms": 21.4, "per_s": 19500}, {"p99_ms": 45.0, "per_s": 16000}]
    assert summary(rounds) == {"p99_ms": 30.1, "p99_ms_min": 21.4, "p99_ms_max": 45.0,
                               "per_s": 17000, "per_s_min": 16000, "per_s_max": 19500}


def test_a_figure_missing_from_a_round_is_left_out_and_an_even_count_takes_the_middle_mean():
    assert summary([{"a": 1.0, "b": 2}, {"a": 2.0}]) == {"a": 1.5, "a_min": 1.0, "a_max": 2.0}


def test_rounds_run_in_order_with_their_number():
    assert repeated(lambda n: {"n": n}, times=3, progress=lambda _: None) == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_a_figure_that_is_not_a_number_in_a_round_is_left_out_and_none_when_no_round_measured_it():
    rounds = [{"p99_ms": 20.5, "legs_p99_ms": float("nan")}, {"p99_ms": float("nan"), "legs_p99_ms": float("nan")},
              {"p99_ms": 30.25, "legs_p99_ms": None}]
    figures = summary(rounds)
    assert (figures["p99_ms"], figures["p99_ms_min"], figures["p99_ms_max"]) == (25.38, 20.5, 30.25)
    assert figures["legs_p99_ms"] is None and "legs_p99_ms_min" not in figures


def test_a_ratio_is_none_unless_both_figures_are_finite_and_the_baseline_is_not_zero():
    assert ratio(29.05, 7.54) == 3.85
    assert ratio(None, 7.54) is None and ratio(29.05, float("nan")) is None and ratio(29.05, 0.0) is None
