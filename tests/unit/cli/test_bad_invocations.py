"""Anything a user types wrong gets one or two lines naming the bad value, never a traceback (no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import cli

REPO = Path(__file__).resolve().parents[3]

ASK = ["--officer", "750001", "--purpose", "проверка", "--legal-ground", "ст. 11"]
PERSON = ["--surname", "Омаров", "--given-name", "Ерлан"]
IMPORT = ["--type", "WANTED_PERSON", "--region", "KZ-75", "--mapping", "tests/data/import/rozysk_kz75.yaml"]
CARDS = "tests/data/import/rozysk_kz75.csv"

# (arguments, a text the message must name)
BAD = [
    (["check", *PERSON, "--birth-date", "01/10/1960", "--unit", "KZ-75-CP", *ASK], "01/10/1960"),
    (["check", *PERSON, "--birth-date", "1960-13-01", "--unit", "KZ-75-CP", *ASK], "1960-13-01"),
    (["check", *PERSON, "--birth-date", "вчера", "--unit", "KZ-75-CP", *ASK], "вчера"),
    (["check", *PERSON, "--birth-date", "31.02.1960", "--unit", "KZ-75-CP", *ASK], "31.02.1960"),
    (["check", *PERSON, "--birth-year", "19x0", "--unit", "KZ-75-CP", *ASK], "19x0"),
    (["check", *PERSON, "--birth-year", "екі мың он", "--unit", "KZ-75-CP", *ASK], "екі мың он"),
    (["check", *PERSON, "--sex", "X", "--unit", "KZ-75-CP", *ASK], "'X'"),
    (["check", *PERSON, "--unit", "NOPE", *ASK], "NOPE"),
    (["check", *PERSON, "--unit", "KZ-99-CP", *ASK], "KZ-99-CP"),
    (["check", *PERSON, "--unit", "KZ-75-CP", "--clearance", "COSMIC", *ASK], "COSMIC"),
    (["check", *PERSON, *ASK], "--unit"),
    (["check", "--unit", "KZ-75-CP", *ASK], "subject field"),
    (["check", "--surname", "Омаров", "--plate", "123ABC02", "--unit", "KZ-75-CP", *ASK], "plate"),
    (["check", "--surname", "Ы" * 300, "--unit", "KZ-75-CP", *ASK], "surname"),
    (["check", *PERSON, "--birth-date", "1800-01-01", "--unit", "KZ-75-CP", *ASK], "1800-01-01"),
    (["check", *PERSON, "--unit", "KZ-75-CP", "--timeout-s", "soon", *ASK], "soon"),
    (["check", *PERSON, "--unit", "KZ-75-CP", "--purpose", "x"], "--officer"),
    (["check-batch", "missing.csv", "--output", "out.csv", "--unit", "KZ-75-CP", *ASK], "missing.csv"),
    (["check-batch", CARDS, "--output", "/no/such/folder/out.csv", "--unit", "KZ-75-CP", *ASK], "/no/such/folder"),
    (["check-batch", CARDS, "--output", "tests", "--unit", "KZ-75-CP", *ASK], "tests"),
    (["check-batch", CARDS, "--output", "out.csv", "--unit", "NOPE", *ASK], "NOPE"),
    (["notifications", "--unit", "NOPE"], "NOPE"),
    (["notifications", "--unit", "KZ-75-CP", "--lang", "de"], "de"),
    (["import", CARDS, "--type", "WANTED_PERSON", "--region", "KZ-99", "--mapping",
      "tests/data/import/rozysk_kz75.yaml"], "KZ-99"),
    (["import", CARDS, "--type", "NO_SUCH_TYPE", "--region", "KZ-75", "--mapping",
      "tests/data/import/rozysk_kz75.yaml"], "NO_SUCH_TYPE"),
    (["import", CARDS, "--type", "WANTED_PERSON", "--region", "KZ-75", "--mapping", "missing.yaml"], "missing.yaml"),
    (["import", "missing.csv", *IMPORT], "missing.csv"),
    (["import", CARDS, *IMPORT, "--chunk-rows", "many"], "many"),
    (["import", CARDS, *IMPORT, "--rejects", "/no/such/folder/r.csv"], "/no/such/folder"),
    (["import", CARDS, *IMPORT[:2]], "--region"),
    (["reconcile", "--region", "KZ-99"], "KZ-99"),
    (["reconcile", "--type", "NO_SUCH_TYPE"], "NO_SUCH_TYPE"),
    (["sink", "webhook", "--subscriptions", "missing.yaml"], "missing.yaml"),
    (["sink", "webhook", "--subscriptions", CARDS, "--region", "KZ-99"], "KZ-99"),
    (["sink", "email", "--addresses", "missing.yaml"], "missing.yaml"),
    (["sink", "email", "--addresses", CARDS, "--smtp-port", "smtp"], "smtp"),
    (["access", "add-system", "KZ-99"], "KZ-99"),
    (["broker", "start", "--nodes", "2"], "2"),
    (["broker", "stop", "--dir", "/no/such/broker"], "/no/such/broker"),
    (["run", "--service", "everything"], "everything"),
    (["demo", "--rate", "fast"], "fast"),
    (["topics", "list", "--colour"], "--colour"),
    (["register", "show", "KZ-75-WANTED_PERSON-1", "--unit", "NOPE"], "NOPE"),
    (["register", "show", "KZ-75-WANTED_PERSON-1"], "--unit"),
    (["register", "find", "--unit", "KZ-75-CP", "--birth-date", "1960/10/01"], "1960/10/01"),
    (["register", "find", "--unit", "KZ-75-CP", "--type", "NO_SUCH_TYPE"], "NO_SUCH_TYPE"),
    (["register", "find", "--unit", "KZ-75-CP", "--region", "KZ-99"], "KZ-99"),
    (["register", "find", "--unit", "KZ-75-CP", "--sex", "X"], "'X'"),
    (["register", "find", "--unit", "KZ-75-CP", "--status", "GONE"], "GONE"),
    (["rejected", "--region", "KZ-99"], "KZ-99"),
    (["rejected", "--unit", "NOPE"], "NOPE"),
    (["rejected", "--since-h", "yesterday"], "yesterday"),
    (["no-such-command"], "no-such-command"),
]


@pytest.mark.parametrize("args, named", BAD, ids=[f"{n:02d}-{a[0]}" for n, (a, _) in enumerate(BAD)])
def test_a_bad_invocation_is_one_clear_message(args: list[str], named: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)  # the sample files' paths are the repository's
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")  # anything that connected would fail slowly
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    output = result.output
    assert result.exit_code != 0, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output and named in output, output
    assert len([line for line in output.splitlines() if line.strip()]) <= 6, output


def test_settings_that_cannot_be_used_are_named_without_a_traceback(monkeypatch) -> None:
    monkeypatch.setenv("HUB_PARTITIONS", "many")
    result = CliRunner().invoke(cli, ["topics", "list"])
    assert result.exit_code == 1 and "HUB_PARTITIONS" in result.output and "Traceback" not in result.output


def test_a_broker_that_cannot_be_reached_says_where_and_what_to_do(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    for args in (["reconcile"], ["rejected"], ["notifications", "--unit", "KZ-75-CP"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert "cannot reach the Kafka broker at 127.0.0.1:1" in result.output and "./deploy/up" in result.output


def test_an_iin_with_a_wrong_check_digit_is_a_warning_not_a_refusal(monkeypatch) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    result = CliRunner().invoke(cli, ["check", "--iin", "910716444884", "--unit", "KZ-75-CP", *ASK])
    assert "warning: IIN '910716444884' has a wrong check digit" in result.output, result.output
    assert "cannot reach the Kafka broker" in result.output  # it went on to ask the hub
