"""Card-file rows to prepared enrolments: map, build, check and encode (pure; runs in the client's workers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.client import Prepared, Preparer, stable_event_id
from connectors.client.pool import WorkContext
from connectors.client.prepare import invalid
from connectors.importer.csvfile import CsvFormat
from connectors.importer.mapping import Mapping, RowError, event_value_of
from hub.errors import InvalidEventError


@dataclass(frozen=True)
class CardFile:
    """What every row of one import shares: the file's columns and digest, the mapping and the record type."""

    header: list[str]
    csv_format: CsvFormat
    source: str
    mapping: Mapping
    record_type: str


def row_event_id(source: str, number: int) -> str:
    """Return the event id of a file's row (stable, so a resent row is a replay)."""
    return stable_event_id("import", source, number)


def prepare_card_rows(rows: list[tuple[int, str]], context: WorkContext, region: str, partitions: int,
                      now_ms: int, card_file: CardFile) -> list[Prepared | InvalidEventError]:
    """Return each (row number, raw CSV record) as a prepared enrolment, or the error that names its reason
    and field: a RegionalClient.prepare() task."""
    preparer = Preparer(region, context.codec, context.catalog, partitions)
    cells = card_file.csv_format.parse([record for _, record in rows])
    return preparer.prepare_many(((number, card_value(number, next(cells), card_file, region)) for number, _ in rows),
                                 now_ms)


def card_value(number: int, cells: list[str], card_file: CardFile, region: str) -> dict[str, Any] | InvalidEventError:
    """Return the RecordEvent value (version 1) of a row, or the error that names its reason and field."""
    try:
        return event_value_of(dict(zip(card_file.header, cells)), number, card_file.mapping, card_file.record_type,
                              region, row_event_id(card_file.source, number))
    except RowError as exc:
        return invalid(exc.refusal, number)
