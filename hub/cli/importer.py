"""`hub import`: digitised card files and journals into enrolment events, resumable, with a rejects file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "record_type", required=True, help="Record type of every row (e.g. WANTED_PERSON).")
@click.option("--region", required=True, help="Region whose register the file is (e.g. KZ-75).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="YAML mapping of the file's columns to the event and its document.")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of refused rows with row numbers and reasons [in the state folder].")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where progress is kept so an interrupted import resumes [.hub-run/import/<region>-<file>].")
@click.option("--chunk-rows", default=2000, show_default=True, help="Rows sent and recorded together.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON line.")
@pass_settings
def import_cmd(settings: HubSettings, file: Path, record_type: str, region: str, mapping: Path,
               rejects: Path | None, state_dir: Path | None, chunk_rows: int, as_json: bool) -> None:
    """Import FILE (CSV) as enrolments of one type and region; run it again to resume after an interruption."""
    from connectors.importer.mapping import Mapping
    from connectors.importer.run import ImportJob
    from hub.cli.inputs import known_record_type, known_region, writable_file

    region, record_type = known_region(settings.refdata_dir, region), known_record_type(settings.refdata_dir, record_type)
    state_dir = state_dir or settings.run_file.parent / "import" / f"{region.lower()}-{file.stem}"
    state_dir.mkdir(parents=True, exist_ok=True)  # the checkpoint and the rejects live here, not beside the file
    rejects = writable_file(rejects) if rejects else state_dir / f"{file.stem}.rejects.csv"
    job = ImportJob(file, Mapping.load(mapping), record_type, region, rejects, state_dir, chunk_rows)
    summary = asyncio.run(_run(settings, job, show_progress=not as_json))
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    click.echo(f"{summary.file}: read {summary.read}, sent {summary.sent}, rejected {summary.rejected}"
               f" (see {job.rejects}), already sent before {summary.skipped}"
               + (f"; resumed after row {summary.resumed_at_row}" if summary.resumed_at_row else ""))


async def _run(settings: HubSettings, job, show_progress: bool):
    from rich.progress import Progress

    from connectors.client import RegionalClient
    from connectors.importer.csvfile import open_card_file
    from connectors.importer.run import import_file

    _, _, records = open_card_file(job.source)
    total = sum(1 for _ in records)
    client = await RegionalClient.connect(settings, job.region, workers=settings.connector_workers)
    try:
        with Progress(disable=not show_progress, transient=False) as progress:
            task = progress.add_task(f"importing {job.source.name}", total=total)
            return await import_file(client, job, client.codec, on_rows=lambda n: progress.advance(task, n))
    finally:
        await client.stop()
