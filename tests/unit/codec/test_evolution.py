"""The schema evolution gate (item 14): compatible changes pass, breaking ones fail."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from hub.cli.main import cli
from hub.codec.evolution import check_all, release_all
from hub.settings import HubSettings


def _copy_schemas(tmp_path: Path, settings: HubSettings) -> tuple[Path, Path]:
    current, released = tmp_path / "avro", tmp_path / "released"
    shutil.copytree(settings.schemas_dir, current)
    shutil.copytree(settings.released_schemas_dir, released)
    return current, released


def _edit(current: Path, name: str, edit) -> None:
    path = current / f"kz.mvd.records.{name}.avsc"
    schema = json.loads(path.read_text())
    edit(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False))


def test_repository_schemas_match_their_releases(settings: HubSettings) -> None:
    verdicts = check_all(settings.schemas_dir, settings.released_schemas_dir)
    assert verdicts and all(v.ok for v in verdicts)
    assert {v.status for v in verdicts} <= {"unchanged", "compatible"}


def test_cli_check_passes_on_the_repository() -> None:
    result = CliRunner().invoke(cli, ["schemas", "check"])
    assert result.exit_code == 0, result.output
    assert "0 incompatible" in result.output


def test_optional_field_with_default_is_compatible_and_released(tmp_path: Path, settings: HubSettings) -> None:
    current, released = _copy_schemas(tmp_path, settings)
    _edit(current, "PersonCard", lambda s: s["fields"].append(
        {"name": "nationality", "type": ["null", "string"], "default": None, "doc": "Nationality."}))
    verdicts = {v.schema: v for v in check_all(current, released)}
    assert verdicts["kz.mvd.records.PersonCard"].status == "compatible"
    assert verdicts["kz.mvd.records.RecordEvent"].status == "compatible"  # it embeds PersonCard
    written = release_all(current, released)
    assert "kz.mvd.records.PersonCard v2" in written
    assert all(v.status == "unchanged" for v in check_all(current, released))


def test_required_field_without_default_breaks_old_producers(tmp_path: Path, settings: HubSettings) -> None:
    current, released = _copy_schemas(tmp_path, settings)
    _edit(current, "RecordEvent", lambda s: s["fields"].append(
        {"name": "priority", "type": "int", "doc": "Priority."}))
    verdict = {v.schema: v for v in check_all(current, released)}["kz.mvd.records.RecordEvent"]
    assert verdict.status == "incompatible" and "old producers break" in verdict.detail
    result = CliRunner(env={"HUB_SCHEMAS_DIR": str(current), "HUB_RELEASED_SCHEMAS_DIR": str(released)}).invoke(
        cli, ["schemas", "check"])
    assert result.exit_code == 1


def test_removing_an_enum_symbol_breaks_old_producers(tmp_path: Path, settings: HubSettings) -> None:
    current, released = _copy_schemas(tmp_path, settings)
    _edit(current, "Confidentiality", lambda s: s["symbols"].remove("TOP_SECRET"))
    verdicts = {v.schema: v for v in check_all(current, released)}
    assert verdicts["kz.mvd.records.Confidentiality"].status == "incompatible"


def test_changing_a_field_type_breaks_old_consumers(tmp_path: Path, settings: HubSettings) -> None:
    current, released = _copy_schemas(tmp_path, settings)

    def widen(schema):
        next(f for f in schema["fields"] if f["name"] == "version")["type"] = "long"

    _edit(current, "ManifestEntry", widen)
    verdict = {v.schema: v for v in check_all(current, released)}["kz.mvd.records.ManifestEntry"]
    assert verdict.status == "incompatible" and "old consumers break" in verdict.detail
