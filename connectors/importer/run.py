"""Imports a digitised card file: rows to enrolments, in acknowledged chunks, resumable, bad rows to a rejects file."""

from __future__ import annotations

import asyncio
import csv
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Awaitable, Callable, Iterable, Iterator, TextIO

from connectors.client import Delivery, Prepared, RegionalClient, SqliteVersions
from connectors.importer.checkpoint import Checkpoint, file_digest
from connectors.importer.csvfile import open_card_file
from connectors.importer.mapping import Mapping
from connectors.importer.rows import CardFile, prepare_card_rows, row_event_id
from hub.codec import AvroCodec
from hub.errors import CodecError, ConfigurationError, InvalidEventError
from hub.kafka.reader import end_offsets_of, read_from

PREPARED_AHEAD = 2  # chunks the workers prepare beyond the one being sent
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


async def import_file(client: RegionalClient, job: ImportJob, codec: AvroCodec,
                      on_rows: Callable[[int], None] = lambda rows: None) -> ImportSummary:
    """Import a file with a started client; resume where a checkpoint of the same content says."""
    started_s = time.monotonic()
    job.state_dir.mkdir(parents=True, exist_ok=True)
    source = file_digest(job.source)
    header, csv_format, records = open_card_file(job.source)
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
        if rejects_file.tell() == 0:
            csv.writer(rejects_file).writerow(REJECT_COLUMNS + header)
        run = ImportRun(client, job, CardFile(header, csv_format, source, job.mapping, job.record_type), checkpoint,
                        rejects_file, (already, written), on_rows)
        await run.import_rows(chunks(records, job.chunk_rows, skip=checkpoint.rows_done))
    client.versions.close()
    return ImportSummary(job.source.name, checkpoint.read, checkpoint.sent, checkpoint.rejected, checkpoint.skipped,
                         resumed_at, round(time.monotonic() - started_s, 3))


def chunks(rows: Iterator[str], size: int, skip: int) -> Iterator[list[tuple[int, str]]]:
    """Yield (row number, raw record) lists of at most `size`, numbering the first row after the header 1."""
    chunk: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=1):
        if number <= skip:
            continue
        chunk.append((number, row))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class ImportRun:
    """One run over a file's chunks: a chunk is mapped, checked and encoded (in the client's workers) while
    the one before is in flight; each is accounted for and checkpointed once the broker acknowledged it.

    `done_before` holds the event ids an interrupted run sent and the rows it wrote to the rejects file
    after its last checkpoint: they are counted, not sent or written again.
    """

    def __init__(self, client: RegionalClient, job: ImportJob, card_file: CardFile, checkpoint: Checkpoint,
                 rejects_file: TextIO, done_before: tuple[set[str], set[int]], on_rows: Callable[[int], None]):
        """Import into `checkpoint`, writing refused rows to `rejects_file`."""
        self.client, self.job, self.card_file, self.checkpoint = client, job, card_file, checkpoint
        self.rejects_file, self.rejects = rejects_file, csv.writer(rejects_file)
        self.already, self.written = done_before
        self.on_rows = on_rows

    async def import_rows(self, chunks_of_rows: Iterable[list[tuple[int, str]]]) -> None:
        """Import every chunk: the workers prepare the next chunks while this one is admitted and sent."""
        ahead: deque[tuple[list, list, asyncio.Future]] = deque()
        in_flight: asyncio.Future | None = None
        try:
            for chunk in chunks_of_rows:
                todo = self.rows_to_send(chunk)
                ahead.append((chunk, todo, asyncio.ensure_future(self.prepare_rows(todo))))
                if len(ahead) > PREPARED_AHEAD:
                    in_flight = await self.send_chunk(*ahead.popleft(), in_flight)
            while ahead:
                in_flight = await self.send_chunk(*ahead.popleft(), in_flight)
        finally:
            for _, _, preparing in ahead:
                preparing.cancel()
            if in_flight is not None:
                await in_flight

    async def send_chunk(self, chunk: list[tuple[int, str]], todo: list[tuple[int, str]], preparing: asyncio.Future,
                         in_flight: asyncio.Future | None) -> asyncio.Future:
        """Admit a prepared chunk (its rows to send, `todo`) once the one before is acknowledged, and start
        sending it."""
        prepared = self.admit_chunk(chunk, todo, await preparing)
        if in_flight is not None:
            await in_flight
        sending = self.client.send_prepared([p for p in prepared if isinstance(p, Prepared)])
        return asyncio.ensure_future(self.account_chunk(chunk, prepared, sending))

    async def prepare_rows(self, rows: list[tuple[int, str]]) -> list[Prepared | InvalidEventError]:
        """Return rows prepared (or refused) by the workers."""
        return await self.client.prepare(prepare_card_rows, rows, self.card_file)

    def rows_to_send(self, chunk: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Return the chunk without the rows an interrupted run sent after its last checkpoint."""
        if not self.already:
            return chunk
        return [(n, cells) for n, cells in chunk if row_event_id(self.card_file.source, n) not in self.already]

    def admit_chunk(self, chunk: list[tuple[int, str]], todo: list[tuple[int, str]],
                    prepared: list[Prepared | InvalidEventError]) -> list[Prepared | InvalidEventError]:
        """Check the prepared rows' versions (in order, after every earlier chunk) and count the skipped rows."""
        self.checkpoint.skipped += len(chunk) - len(todo)
        results = self.client.admit(prepared, [number for number, _ in todo])
        for result in results:
            if isinstance(result, InvalidEventError):
                self.client.sensor.on_invalid(result.reason)
        return results

    async def account_chunk(self, chunk: list[tuple[int, str]], prepared: list[Prepared | InvalidEventError],
                            sending: Awaitable[list[Delivery]]) -> None:
        """Wait for the chunk's acknowledgement, then write its refused rows (those an interrupted run had not
        written) and its checkpoint."""
        deliveries = await sending
        checkpoint = self.checkpoint
        for delivery in deliveries:
            key = str(delivery.partition)
            checkpoint.next_offsets[key] = max(checkpoint.next_offsets.get(key, 0), delivery.offset + 1)
        record_of = dict(chunk)
        refused = [result for result in prepared if isinstance(result, InvalidEventError)]
        for error in sorted(refused, key=lambda e: e.position):
            if error.position not in self.written:
                text = error.sentences
                cells = next(self.card_file.csv_format.parse([record_of[error.position]]), [])
                self.rejects.writerow([error.position, error.reason, error.field or "", text["kk"], text["ru"],
                                       text["en"]] + cells)
        self.rejects_file.flush()
        checkpoint.rows_done = chunk[-1][0]
        checkpoint.read += len(chunk)
        checkpoint.sent += len(deliveries)
        checkpoint.rejected += len(refused)
        checkpoint.save(self.job.checkpoint_path)
        self.on_rows(len(chunk))


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
