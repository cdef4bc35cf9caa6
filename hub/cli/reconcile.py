"""`hub reconcile`: show the reconciliation reports (item 9.10)."""

from __future__ import annotations

import asyncio
import json

import click

from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)


@click.command("reconcile")
@click.option("--region", help="Only this region (e.g. KZ-75).")
@click.option("--type", "record_type", help="Only this record type (e.g. WANTED_PERSON).")
@click.option("--manifest", "manifest_id", help="Only the report of this manifest.")
@click.option("--differences", is_flag=True, help="List every difference, not only the counts.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report per line.")
@pass_settings
def reconcile(settings: HubSettings, region: str | None, record_type: str | None, manifest_id: str | None,
              differences: bool, as_json: bool) -> None:
    """Show the reconciliation reports: each regional manifest compared with the central register."""
    from hub.cli.inputs import known_record_type, known_region

    region = known_region(settings.refdata_dir, region) if region else None
    record_type = known_record_type(settings.refdata_dir, record_type) if record_type else None
    from hub.kafka.reader import read_to_end
    from hub.kafka.topics import REPORTS
    from hub.services.refdata import codec_for

    codec = codec_for(settings)
    reports = {}
    for record in asyncio.run(read_to_end(settings, REPORTS.name(settings))):
        value = codec.decode(record.value, expect="ReconciliationReport").value
        if ((region is None or value["region"] == region.upper())
                and (record_type is None or value["record_type"] == record_type.upper())
                and (manifest_id is None or value["manifest_id"] == manifest_id)):
            reports[value["report_id"]] = value  # a replayed report repeats its id
    if as_json:
        from hub.codec.readable import readable

        for value in reports.values():
            click.echo(json.dumps(readable(codec.registry, "ReconciliationReport", value), ensure_ascii=False))
        return
    _print(list(reports.values()), differences)


def _print(reports: list[dict], differences: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Reconciliation reports ({len(reports)})")
    for column in ("manifest", "region", "type", "unit", "regional", "central", "missing", "extra",
                   "version differs"):
        table.add_column(column)
    for r in reports:
        kinds = [d["kind"] for d in r["differences"]]
        table.add_row(r["manifest_id"], r["region"], r["record_type"], r["responsible_unit"],
                      str(r["regional_count"]), str(r["central_count"]), str(kinds.count("MISSING_IN_CENTRAL")),
                      str(kinds.count("EXTRA_IN_CENTRAL")), str(kinds.count("VERSION_DIFFERS")))
    console = Console()
    console.print(table)
    if differences:
        for r in reports:
            for d in r["differences"]:
                console.print(f"{r['manifest_id']}  {d['kind']:20} {d['record_id']}  "
                              f"regional v{d['regional_version']}  central v{d['central_version']}")
