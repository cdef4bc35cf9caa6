"""Imports a digitised card file: rows to enrolments, in acknowledged chunks, resumable, bad rows to a rejects file."""

from __future__ import annotations

import csv
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

from pydantic import ValidationError

from connectors.client import Prepared, RegionalClient, SqliteVersions, stable_event_id
from connectors.importer.checkpoint import Checkpoint, file_digest
from connectors.importer.mapping import Mapping, RowError, enrolment_of
from hub.codec import AvroCodec
from hub.domain.reasons import Refusal
from hub.errors import CodecError, ConfigurationError, InvalidEventError
from hub.kafka.reader import end_offsets_of, read_from

REJECT_COLUMNS = ["row", "reason", "field", "message_kk", "message_ru", "message_en"]


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows read, events sent, rows rejected, rows found sent by an interrupted run."""

    file: str
    read: int
    sent: int
    rejected: int
    skipped: int
    resumed_at_row: int
    seconds: float

    def as_dict(self) -> dict:
        """Return the summary as a plain dict (for --json)."""
        return asdict(self)


@dataclass(frozen=True)
class ImportJob:
    """One file to import and where its rejects and progress go."""

    source: Path
    mapping: Mapping
    record_type: str
    region: str
    rejects: Path
    state_dir: Path
    chunk_rows: int = 2000

    @property
    def checkpoint_path(self) -> Path:
        """Return where the job's checkpoint is kept."""
        return self.state_dir / f"{self.source.name}.checkpoint.json"

    @property
    def versions_path(self) -> Path:
        """Return where the job's version book is kept."""
        return self.state_dir / f"{self.source.name}.versions.sqlite"


def read_rows(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    """Return the header and the rows of a CSV file (UTF-8, with or without BOM; comma, semicolon or tab)."""
    handle = open(path, encoding="utf-8-sig", newline="")
    sample = handle.read(8192)
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(handle, dialect=dialect)
    return list(reader.fieldnames or []), reader


async def import_file(client: RegionalClient, job: ImportJob, codec: AvroCodec,
                      on_rows: Callable[[int], None] = lambda rows: None) -> ImportSummary:
    """Import a file with a started client; resume where a checkpoint of the same content says."""
    started_s = time.monotonic()
    job.state_dir.mkdir(parents=True, exist_ok=True)
    source = file_digest(job.source)
    header, rows = read_rows(job.source)
    missing = job.mapping.columns() - set(header)
    if missing:
        raise ConfigurationError(f"{job.source.name} has no column {', '.join(sorted(missing))}")
    checkpoint = Checkpoint.load(job.checkpoint_path, source)
    resumed = checkpoint is not None
    if checkpoint is None:
        checkpoint = Checkpoint(source, next_offsets={str(p): o for p, o in
                                                      (await end_offsets_of(client.settings, client.topic)).items()})
        job.rejects.unlink(missing_ok=True)
    client.versions = SqliteVersions(job.versions_path)
    already = await sent_event_ids(client, checkpoint, codec) if resumed else set()
    written = rejected_rows(job.rejects) if resumed else set()
    resumed_at = checkpoint.rows_done
    with open(job.rejects, "a", encoding="utf-8", newline="") as rejects_file:
        rejects = csv.writer(rejects_file)
        if rejects_file.tell() == 0:
            rejects.writerow(REJECT_COLUMNS + header)
        for chunk in chunks(rows, job.chunk_rows, skip=checkpoint.rows_done):
            await import_chunk(client, job, source, chunk, (already, written), checkpoint, rejects)
            rejects_file.flush()
            checkpoint.save(job.checkpoint_path)
            on_rows(len(chunk))
    client.versions.close()
    return ImportSummary(job.source.name, checkpoint.read, checkpoint.sent, checkpoint.rejected, checkpoint.skipped,
                         resumed_at, round(time.monotonic() - started_s, 3))


def chunks(rows: Iterator[dict[str, str]], size: int, skip: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """Yield (row number, row) lists of at most `size`, numbering the first row after the header 1."""
    chunk: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows, start=1):
        if number <= skip:
            continue
        chunk.append((number, row))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def import_chunk(client: RegionalClient, job: ImportJob, source: str, chunk: list,
                       done_before: tuple[set[str], set[int]], checkpoint: Checkpoint, rejects) -> None:
    """Turn a chunk's rows into events, send the valid ones and wait for the broker, then account for all.

    `done_before` holds the event ids an interrupted run sent and the rows it wrote to the rejects
    file after its last checkpoint: they are counted, not sent or written again.
    """
    already, written = done_before
    numbers, builders, refused = [], [], []
    for number, row in chunk:
        event_id = stable_event_id("import", source, number)
        if event_id in already:
            checkpoint.skipped += 1
            continue
        try:
            builders.append(enrolment_of(row, number, job.mapping, job.record_type, job.region, event_id))
            numbers.append(number)
        except RowError as exc:
            refused.append((number, Refusal(exc.reason, exc.detail, exc.field), row))
        except ValidationError as exc:
            first = exc.errors()[0]
            refused.append((number, Refusal("INVALID_FIELD", first["msg"], ".".join(map(str, first["loc"]))), row))
    rows = dict(chunk)
    prepared: list[Prepared] = []
    for number, result in zip(numbers, client.check(builders)):
        if isinstance(result, InvalidEventError):
            refused.append((number, Refusal(result.reason, result.detail, result.field), rows[number]))
            client.sensor.on_invalid(result.reason)
        else:
            prepared.append(result)
    deliveries = await client.send_prepared(prepared)
    for delivery in deliveries:
        key = str(delivery.partition)
        checkpoint.next_offsets[key] = max(checkpoint.next_offsets.get(key, 0), delivery.offset + 1)
    for number, refusal, row in sorted(refused, key=lambda item: item[0]):
        if number in written:
            continue
        text = refusal.sentences()
        rejects.writerow([number, refusal.code, refusal.field or "", text["kk"], text["ru"], text["en"]]
                         + [row.get(column, "") for column in row])
    checkpoint.rows_done = chunk[-1][0]
    checkpoint.read += len(chunk)
    checkpoint.sent += len(deliveries)
    checkpoint.rejected += len(refused)


def rejected_rows(path: Path) -> set[int]:
    """Return the row numbers a rejects file already holds."""
    try:
        with open(path, encoding="utf-8", newline="") as rejects:
            return {int(row["row"]) for row in csv.DictReader(rejects) if row.get("row", "").isdigit()}
    except OSError:
        return set()


async def sent_event_ids(client: RegionalClient, checkpoint: Checkpoint, codec: AvroCodec) -> set[str]:
    """Return the ids of events on the region's topic since the checkpoint's offsets (an interrupted
    run may have sent a chunk it could not record)."""
    starts = {int(p): o for p, o in checkpoint.next_offsets.items()}
    found: set[str] = set()
    for record in await read_from(client.settings, client.topic, starts):
        try:
            decoded = codec.decode(record.value or b"")
        except CodecError:
            continue
        events = decoded.value.get("events", [decoded.value])
        found.update(event.get("event_id") for event in events)
    return found
