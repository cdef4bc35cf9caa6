"""Topic definitions, the AsyncAPI document, settings and the starter reference data."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from hub.asyncapi import document, render
from hub.cli.main import cli
from hub.domain.regions import REGION_CODES
from hub.kafka.topics import PASSPORTS, REFERENCE_BOOKS, REGISTER, all_topics
from hub.refdata.load import starter_books, starter_passports
from hub.settings import HubSettings

ASYNCAPI = Path(__file__).resolve().parents[2] / "schemas" / "asyncapi.yaml"


def test_committed_asyncapi_document_is_generated_from_the_code(settings: HubSettings) -> None:
    assert ASYNCAPI.read_text(encoding="utf-8") == render(settings), "run: hub asyncapi --output schemas/asyncapi.yaml"


def test_asyncapi_names_every_topic_with_key_schema_roles_and_policy(settings: HubSettings) -> None:
    doc = document(settings)
    assert doc["asyncapi"] == "3.0.0"
    addresses = {c["address"]: c for c in doc["channels"].values()}
    regional = addresses["hub.events.{scope}"]
    assert sorted(regional["parameters"]["scope"]["enum"]) == sorted(c.lower() for c in REGION_CODES)
    # Requests, results and notifications have one topic per region and one for the central units (kz).
    for base in ("checks.requests", "checks.results", "notifications"):
        scopes = addresses[f"hub.{base}.{{scope}}"]["parameters"]["scope"]["enum"]
        assert sorted(scopes) == sorted([c.lower() for c in REGION_CODES] + ["kz"])
    assert addresses["hub.events.{scope}"]["x-key"] and doc["components"]["securitySchemes"]["scram"]
    for spec in all_topics():
        family = spec.suffix.rsplit(".", 1)[0]
        if f"hub.{family}.{{scope}}" in addresses:
            continue
        channel = addresses[spec.name(settings)]
        binding = channel["bindings"]["kafka"]
        assert binding["partitions"] == spec.partition_count(settings)
        assert binding["topicConfiguration"]["cleanup.policy"] == [spec.config(settings)["cleanup.policy"]]
        assert channel["x-key"] == spec.key and channel["x-producers"] and channel["x-consumers"]
        (message,) = channel["messages"].values()
        name = message["$ref"].rsplit("/", 1)[-1]
        schema_ref = doc["components"]["messages"][name]["payload"]["schema"]["$ref"]
        assert (ASYNCAPI.parent / schema_ref).exists()


def test_cli_asyncapi_check_passes() -> None:
    result = CliRunner().invoke(cli, ["asyncapi", "--check"])
    assert result.exit_code == 0, result.output


def test_compacted_topics_are_the_register_and_reference_data(settings: HubSettings) -> None:
    compacted = {s.suffix for s in all_topics() if s.config(settings)["cleanup.policy"] == "compact"}
    assert compacted == {REGISTER.suffix, PASSPORTS.suffix, REFERENCE_BOOKS.suffix}
    assert len([s for s in all_topics() if s.suffix.startswith("events.")]) == 20
    names = [s.name(settings) for s in all_topics()]
    assert len(names) == len(set(names))


def test_settings_come_from_hub_prefixed_environment(monkeypatch) -> None:
    monkeypatch.setenv("HUB_PARTITIONS", "12")
    monkeypatch.setenv("HUB_TOPIC_PREFIX", "qa")
    monkeypatch.setenv("PARTITIONS", "99")
    settings = HubSettings()
    assert settings.partitions == 12 and settings.topic("register") == "qa.register"


def test_starter_reference_data_is_complete(settings: HubSettings) -> None:
    books = starter_books(settings.refdata_dir)
    regions = {e["code"] for e in books if e["book"] == "REGION"}
    assert len(regions) == 20
    units = [e for e in books if e["book"] == "UNIT"]
    assert regions <= {u["attributes"]["region"] for u in units}
    assert {u["attributes"]["region"] for u in units} - regions == {"KZ"}
    passports = starter_passports(settings.refdata_dir)
    assert len(passports) == 10
    assert {p["object_kind"] for p in passports} == {"PERSON", "THING", "FACT", "PORTRAIT"}
    assert any(p["level"] == "REGIONAL" for p in passports)
    assert any(p["term_days"] for p in passports)
    grounds = {e["code"] for e in books if e["book"] == "GROUND"}
    for p in passports:
        for action in ("enrol", "correct", "remove"):
            assert set(p[action]["grounds"]) <= grounds, (p["code"], action)


def test_every_command_has_help() -> None:
    runner = CliRunner()
    groups = [[], ["schemas"], ["topics"], ["refdata"], ["broker"]]
    for path in groups:
        result = runner.invoke(cli, path + ["--help"])
        assert result.exit_code == 0 and "Usage" in result.output
    for name, command in cli.commands.items():
        assert command.help, name
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name


def test_passport_yaml_is_valid_yaml_with_every_item_9_parameter(settings: HubSettings) -> None:
    raw = yaml.safe_load((settings.refdata_dir / "passports.yaml").read_text(encoding="utf-8"))
    for passport in raw:
        for key in ("functional_class", "object_kind", "enrol", "correct", "remove", "confidentiality",
                    "administering_unit", "level", "forms", "document_schema", "document_form",
                    "reconciliation_schedule", "retention", "required_fields", "field_formats"):
            assert key in passport, (passport["code"], key)


def test_readme_lists_every_setting_and_the_two_commands() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in HubSettings.model_fields:
        assert f"`HUB_{name.upper()}`" in readme, name
    assert readme.index("./deploy/up") < readme.index("## What is where")
    assert "./deploy/test" in readme
