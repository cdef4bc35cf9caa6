"""What users type, checked before any connection: dates, units, regions, record types, sexes, IINs, paths."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import click

from hub.domain.identifiers import iin_is_valid

EPOCH = date(1970, 1, 1)
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
SEXES = ("MALE", "FEMALE", "UNKNOWN")


def parse_day(text: str, what: str = "date") -> int:
    """Return a date typed as YYYY-MM-DD or DD.MM.YYYY in epoch days; refuse anything else, naming it."""
    for pattern in DATE_FORMATS:
        try:
            return (datetime.strptime(text.strip(), pattern).date() - EPOCH).days
        except ValueError:
            continue
    raise click.BadParameter(f"{text!r} is not a {what}: write it as YYYY-MM-DD or DD.MM.YYYY (e.g. 1960-10-01)")


def parse_year(text: str) -> int:
    """Return a year typed as four digits."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise click.BadParameter(f"{text!r} is not a year: write four digits (e.g. 1960)")
    return int(text)


def parse_sex(text: str) -> str:
    """Return MALE, FEMALE or UNKNOWN from what was typed (any case)."""
    if text.strip().upper() not in SEXES:
        raise click.BadParameter(f"{text!r} is not a sex: write one of {', '.join(SEXES)}")
    return text.strip().upper()


def warn_if_odd_iin(iin: str | None) -> None:
    """Warn (not refuse) when an IIN's check digit does not hold: a person may still be on a record by it."""
    if iin and not iin_is_valid(iin):
        click.secho(f"warning: IIN {iin!r} has a wrong check digit or form; checked as typed", fg="yellow", err=True)


@lru_cache(maxsize=4)
def _books(refdata_dir: Path) -> tuple[frozenset, frozenset, frozenset]:
    from hub.refdata.load import starter_books, starter_passports

    entries = starter_books(refdata_dir)
    units = frozenset(e["code"] for e in entries if e["book"] == "UNIT" and e["active"])
    regions = frozenset(e["code"] for e in entries if e["book"] == "REGION")
    types = frozenset(p["code"] for p in starter_passports(refdata_dir))
    return units, regions, types


def known_unit(refdata_dir: Path, unit: str) -> str:
    """Return a unit code of the reference books, or refuse it with an example."""
    units = _books(refdata_dir)[0]
    if unit not in units:
        raise click.BadParameter(f"{unit!r} is not a unit of the reference books: write a code such as "
                                 f"KZ-75-CP (region and unit kind) or MVD-DIT")
    return unit


def known_region(refdata_dir: Path, region: str) -> str:
    """Return a region code (KZ-75, or kz-75) of the reference books, upper-cased, or refuse it."""
    regions = _books(refdata_dir)[1]
    if region.upper() not in regions:
        raise click.BadParameter(f"{region!r} is not a region: write one of {', '.join(sorted(regions))}")
    return region.upper()


def known_record_type(refdata_dir: Path, record_type: str) -> str:
    """Return a record type of the passports, or refuse it."""
    types = _books(refdata_dir)[2]
    if record_type.upper() not in types:
        raise click.BadParameter(f"{record_type!r} is not a record type: write one of {', '.join(sorted(types))}")
    return record_type.upper()


def writable_file(path: Path) -> Path:
    """Return a file path whose folder exists (the file itself may not)."""
    if path.is_dir():
        raise click.BadParameter(f"{str(path)!r} is a folder: give a file name")
    if not path.parent.exists():
        raise click.BadParameter(f"the folder of {str(path)!r} does not exist: create it or choose another")
    return path


def unit_clearance(refdata_dir: Path, unit: str, asked: str) -> str:
    """Return the clearance a unit's officer reads with: the lower of the one asked and the unit's own."""
    from hub.domain.intake import lower_clearance
    from hub.refdata.load import starter_books

    entry = next((e for e in starter_books(refdata_dir) if e["book"] == "UNIT" and e["code"] == unit), None)
    allowed = (entry or {}).get("attributes", {}).get("clearance") or "OPEN"
    return lower_clearance(asked, allowed)
