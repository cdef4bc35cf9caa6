"""Card files as CSV: the dialect, the header, and each record as raw text, parsed where it is mapped."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator


@dataclass(frozen=True)
class CsvFormat:
    """How a file's records are written: what csv.reader needs to read them."""

    delimiter: str = ","
    quotechar: str = '"'
    skipinitialspace: bool = False

    def parse(self, records: Iterable[str]) -> Iterator[list[str]]:
        """Return the cells of each raw record."""
        return csv.reader(records, delimiter=self.delimiter, quotechar=self.quotechar,
                          skipinitialspace=self.skipinitialspace)


def open_card_file(path: Path) -> tuple[list[str], CsvFormat, Iterator[str]]:
    """Return the header, the format and the raw records after the header of a CSV file (UTF-8, with or
    without BOM; comma, semicolon or tab, as the first 8 KiB show, or else as the header line shows most).
    Blank lines are skipped."""
    handle = open(path, encoding="utf-8-sig", newline="")
    sample = handle.read(8192)
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        fmt = CsvFormat(dialect.delimiter, dialect.quotechar or '"', bool(dialect.skipinitialspace))
    except csv.Error:
        header_line = sample.splitlines()[0] if sample else ""
        fmt = CsvFormat(max(",;\t", key=header_line.count))
    records = raw_records(handle, fmt.quotechar)
    header = next(fmt.parse([next(records, "")]), [])
    return header, fmt, records


def raw_records(lines: Iterable[str], quotechar: str = '"') -> Iterator[str]:
    """Yield each record's text: lines are joined while a quoted cell is open (an odd count of quote
    characters so far; a doubled quote inside a cell counts twice), and blank lines are left out."""
    pending: list[str] = []
    quotes = 0
    for line in lines:
        quotes += line.count(quotechar)
        if quotes % 2:
            pending.append(line)
            continue
        if pending:
            pending.append(line)
            line, pending = "".join(pending), []
        quotes = 0
        if line.strip():
            yield line
    if pending:
        yield "".join(pending)
