"""Commands for the contract and the cluster: schemas, topics, reference data, AsyncAPI."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path

import click

from hub.asyncapi import render
from hub.codec.evolution import check_all, release_all
from hub.codec.registry import load_current
from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)
ASYNCAPI_FILE = Path(__file__).resolve().parents[2] / "schemas" / "asyncapi.yaml"


@click.group()
def schemas() -> None:
    """Avro schemas of the contract and their evolution gate."""


@schemas.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per schema.")
@pass_settings
def schemas_check(settings: HubSettings, as_json: bool) -> None:
    """Fail if any schema breaks old producers or consumers of its last release."""
    verdicts = check_all(settings.schemas_dir, settings.released_schemas_dir)
    for v in verdicts:
        if as_json:
            click.echo(json.dumps(asdict(v), ensure_ascii=False))
        elif v.status != "unchanged":
            colour = "red" if not v.ok else "yellow"
            click.secho(f"{v.status:12} {v.schema} {v.detail}", fg=colour)
    bad = [v for v in verdicts if not v.ok]
    if not as_json:
        click.echo(f"{len(verdicts)} schemas checked, {len(bad)} incompatible")
    if bad:
        raise SystemExit(1)


@schemas.command("release")
@pass_settings
def schemas_release(settings: HubSettings) -> None:
    """Record every new or compatibly changed schema as its next released version."""
    for line in release_all(settings.schemas_dir, settings.released_schemas_dir):
        click.echo(f"released {line}")


@schemas.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@pass_settings
def schemas_list(settings: HubSettings, as_json: bool) -> None:
    """List the current schemas with their fingerprints."""
    for name, version in sorted(load_current(settings.schemas_dir).items()):
        row = {"schema": name, "fingerprint": version.fingerprint.hex()}
        click.echo(json.dumps(row) if as_json else f"{row['fingerprint']}  {name}")


@click.group()
def topics() -> None:
    """Topics of the hub."""


@topics.command("create")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per topic.")
@pass_settings
def topics_create(settings: HubSettings, as_json: bool) -> None:
    """Create every topic (or align its configuration); safe to run again."""
    from hub.kafka.admin import provision
    from hub.kafka.topics import all_topics

    for result in asyncio.run(provision(settings, all_topics())):
        if as_json:
            click.echo(json.dumps(asdict(result)))
        else:
            click.echo(f"{result.action:12} {result.topic} partitions={result.partitions} "
                       f"cleanup={result.config.get('cleanup.policy')}")


@topics.command("list")
@pass_settings
def topics_list(settings: HubSettings) -> None:
    """List the topics the hub defines, with partitions and cleanup policy."""
    from hub.kafka.topics import all_topics

    for spec in all_topics():
        conf = spec.config(settings)
        click.echo(f"{spec.name(settings):40} partitions={spec.partition_count(settings)} "
                   f"cleanup={conf['cleanup.policy']} schema={spec.schema}")


@click.group()
def refdata() -> None:
    """Record-type passports and reference books."""


@refdata.command("load")
@click.option("--dir", "refdata_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="Folder with passports.yaml and books.yaml.")
@pass_settings
def refdata_load(settings: HubSettings, refdata_dir: Path | None) -> None:
    """Publish the passports and reference books to their compacted topics."""
    from hub.services.refdata import load_reference_data

    counts = asyncio.run(load_reference_data(settings, refdata_dir or settings.refdata_dir))
    click.echo(json.dumps(counts))


@click.command("asyncapi")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the document to a file instead of standard output.")
@click.option("--check", is_flag=True, help="Fail if the committed document differs from the code.")
@pass_settings
def asyncapi_cmd(settings: HubSettings, output: Path | None, check: bool) -> None:
    """Print the AsyncAPI 3.0 document generated from the topic definitions."""
    text = render(HubSettings.model_construct())
    if check:
        if ASYNCAPI_FILE.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{ASYNCAPI_FILE} is stale: run hub asyncapi --output {ASYNCAPI_FILE}")
        click.echo("asyncapi document is current")
    elif output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
