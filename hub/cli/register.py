"""`hub register show|find` and `hub rejected`: what the central register holds, and what it refused."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import click

from hub.cli.inputs import known_record_type, known_region, known_unit, parse_day, parse_sex, unit_clearance
from hub.cli.show import record_lines, restricted_lines
from hub.domain.moments import iso_day
from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)
LEVELS = ("OPEN", "OFFICIAL_USE", "SECRET", "TOP_SECRET")


def reader_options(command):
    """Add the options that say who reads (clearance applied), in which language, and how to print."""
    for option in reversed([
        click.option("--unit", envvar="HUB_CHECK_UNIT", required=True, help="Reading unit [HUB_CHECK_UNIT]."),
        click.option("--clearance", type=click.Choice(LEVELS), envvar="HUB_CHECK_CLEARANCE", default="OFFICIAL_USE",
                     show_default=True, help="The officer's clearance, at most the unit's [HUB_CHECK_CLEARANCE]."),
        click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="ru", show_default=True),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON record per line (ISO dates)."),
    ]):
        command = option(command)
    return command


@click.group("register")
def register() -> None:
    """Look records up in the central register, with the reader's clearance applied."""


@register.command("show")
@click.argument("record_id")
@reader_options
@pass_settings
def show(settings: HubSettings, record_id: str, unit: str, clearance: str, lang: str, as_json: bool) -> None:
    """Print one record of the central register by its id."""
    from hub.kafka.partitioning import partition_for
    from hub.kafka.topics import REGISTER

    clearance = unit_clearance(settings.refdata_dir, known_unit(settings.refdata_dir, unit), clearance)
    partition = partition_for(record_id.encode(), REGISTER.partition_count(settings))
    found = asyncio.run(_scan(settings, [partition], lambda key, _: key == record_id.encode(), 1, quiet=True))
    if not found:
        raise click.ClickException(f"{record_id} is not on the central register (never enrolled, or purged)")
    _print(found[0], clearance, lang, as_json)


@register.command("find")
@click.option("--type", "record_type", help="Record type (e.g. WANTED_PERSON).")
@click.option("--region", help="Region (e.g. KZ-75).")
@click.option("--status", type=click.Choice(["LIVE", "REMOVED"]), help="Live or removed records.")
@click.option("--limit", default=50, show_default=True, help="Print at most this many records.")
@reader_options
@click.option("--iin")
@click.option("--surname")
@click.option("--given-name")
@click.option("--patronymic")
@click.option("--birth-date", help="YYYY-MM-DD or DD.MM.YYYY.")
@click.option("--sex")
@click.option("--vin")
@click.option("--plate")
@click.option("--serial")
@click.option("--imei")
@click.option("--number", help="Document number.")
@click.option("--registration-number", help="Fact registration number.")
@pass_settings
def find(settings: HubSettings, record_type: str | None, region: str | None, status: str | None, limit: int,
         unit: str, clearance: str, lang: str, as_json: bool, **subject: Any) -> None:
    """Print the records that have every given value (text compared without case); reads the whole register."""
    wanted = _wanted(settings, record_type, region, status, subject)
    clearance = unit_clearance(settings.refdata_dir, known_unit(settings.refdata_dir, unit), clearance)
    found = asyncio.run(_scan(settings, None, lambda _, record: _fits(record, wanted), limit, quiet=as_json))
    for record in found:
        _print(record, clearance, lang, as_json)
    if not as_json:
        click.echo(f"{len(found)} found" + (f" (at most {limit} shown)" if len(found) >= limit else ""), err=True)


def _wanted(settings: HubSettings, record_type, region, status, subject: dict[str, Any]) -> dict[str, Any]:
    wanted: dict[str, Any] = {k: v for k, v in subject.items() if v not in (None, "")}
    if "birth_date" in wanted:
        wanted["birth_date"] = iso_day(parse_day(wanted["birth_date"], "birth date"))
    if "sex" in wanted:
        wanted["sex"] = parse_sex(wanted["sex"])
    if "number" in wanted:
        wanted["document_number"] = wanted.pop("number")
    head = {"record_type": record_type and known_record_type(settings.refdata_dir, record_type),
            "region": region and known_region(settings.refdata_dir, region), "status": status}
    return {**{k: v for k, v in head.items() if v}, **{f"document.{k}": v for k, v in wanted.items()}}


def _fits(record: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for path, value in wanted.items():
        holder, name = (record.get("document") or {}, path[9:]) if path.startswith("document.") else (record, path)
        have = holder.get(name)
        if isinstance(have, str) and isinstance(value, str):
            if have.casefold() != value.casefold():
                return False
        elif have != value:
            return False
    return True


async def _scan(settings: HubSettings, partitions: list[int] | None, keep, limit: int, quiet: bool) -> list[dict]:
    """Return up to limit readable records of the register the test keeps (the latest state of each key)."""
    from rich.console import Console
    from rich.progress import Progress

    from hub.codec.readable import readable
    from hub.kafka.reader import batches_to_end
    from hub.kafka.topics import REGISTER
    from hub.services.refdata import codec_for

    codec = codec_for(settings)
    latest: dict[bytes, dict | None] = {}
    with Progress(console=Console(stderr=True), disable=quiet, transient=True) as progress:
        task = progress.add_task("reading the register", total=None)
        async for records, total in batches_to_end(settings, REGISTER.name(settings), partitions):
            progress.update(task, total=total, advance=len(records))
            for record in records:
                if record.value is None:
                    latest.pop(record.key, None)  # purged
                    continue
                value = readable(codec.registry, "RegisterRecord", codec.decode(record.value).value)
                latest[record.key] = value if keep(record.key, value) else None
    return [v for v in latest.values() if v is not None][:limit]


def _print(record: dict[str, Any], clearance: str, lang: str, as_json: bool) -> None:
    from hub.domain.matching.disclosure import may_see

    full = may_see(clearance, record["confidentiality"])
    if as_json:
        shown = record if full else {"record_id": "RESTRICTED", "confidentiality": record["confidentiality"],
                                     "contact_unit": record["owner_unit"]}
        click.echo(json.dumps(shown, ensure_ascii=False))
    else:
        click.echo("\n".join(record_lines(record, lang) if full else restricted_lines(record, lang)))


@click.command("rejected")
@click.option("--since-h", default=24.0, show_default=True, help="Show rejections of the last this many hours.")
@click.option("--region", help="Only inputs of this region.")
@click.option("--unit", help="Only inputs this unit sent.")
@click.option("--limit", default=100, show_default=True, help="Print at most this many (the newest).")
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="ru", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON rejection per line (ISO instants).")
@pass_settings
def rejected(settings: HubSettings, since_h: float, region: str | None, unit: str | None, limit: int, lang: str,
             as_json: bool) -> None:
    """List the inputs the hub refused recently, with the reason in the chosen language."""
    from hub.codec.readable import readable
    from hub.kafka.reader import read_since
    from hub.kafka.topics import REJECTED
    from hub.services.refdata import codec_for

    region = region and known_region(settings.refdata_dir, region)
    unit = unit and known_unit(settings.refdata_dir, unit)
    codec = codec_for(settings)
    since_ms = int((time.time() - since_h * 3600) * 1000)
    records = asyncio.run(read_since(settings, REJECTED.name(settings), since_ms))
    shown = []
    for record in records:
        value = codec.decode(record.value).value
        if (region and value["region"] != region) or (unit and value["unit"] != unit):
            continue
        shown.append(readable(codec.registry, "Rejection", {**value, "original": None}))
    shown.sort(key=lambda v: v["rejected_at"])
    for value in shown[-limit:]:
        if as_json:
            click.echo(json.dumps(value, ensure_ascii=False))
        else:
            click.echo(f"{value['rejected_at']} {value['unit'] or '—'} {value['record_id'] or '—'} "
                       f"[{value['reason_code']}] {value[f'reason_{lang}']}")
    if not as_json:
        click.echo(f"{len(shown)} rejected in the last {since_h:g} h", err=True)
