"""Per-record version tracking of a regional client: which version each record is at, and whether it is live."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Protocol

from hub.domain.reasons import Refusal, refuse

Known = tuple[int, bool]  # (version, live)


class VersionBook(Protocol):
    """Where a client keeps the version and liveness of each record it has sent."""

    def known(self, record_id: str) -> Known | None:
        """Return a record's (version, live), or None if never sent."""

    def confirm(self, updates: dict[str, Known]) -> None:
        """Remember versions the broker has acknowledged."""

    def prefetch(self, record_ids: list[str]) -> None:
        """Read many records' versions at once, ahead of known() (a book in memory has nothing to do)."""


class MemoryVersions:
    """A version book in memory (lost when the process ends)."""

    def __init__(self) -> None:
        """Start empty."""
        self._known: dict[str, Known] = {}

    def known(self, record_id: str) -> Known | None:
        """Return a record's (version, live), or None."""
        return self._known.get(record_id)

    def confirm(self, updates: dict[str, Known]) -> None:
        """Remember acknowledged versions."""
        self._known.update(updates)

    def prefetch(self, record_ids: list[str]) -> None:
        """Do nothing: every version is in memory."""


class SqliteVersions:
    """A version book in a SQLite file, so a restarted client continues where it stopped."""

    def __init__(self, path: Path):
        """Open (or create) the file."""
        self._db = sqlite3.connect(str(path))
        # WAL with synchronous=NORMAL survives a process crash (the case here) without an fsync per commit.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS versions (record_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                         " live INTEGER NOT NULL)")
        self._db.commit()
        self._cache: dict[str, Known | None] = {}

    def known(self, record_id: str) -> Known | None:
        """Return a record's (version, live), or None (read once from the file, then kept in memory)."""
        if record_id not in self._cache:
            row = self._db.execute("SELECT version, live FROM versions WHERE record_id = ?", (record_id,)).fetchone()
            self._cache[record_id] = None if row is None else (row[0], bool(row[1]))
        return self._cache[record_id]

    def prefetch(self, record_ids: list[str]) -> None:
        """Read the versions of records not yet cached with one query per 500 ids."""
        wanted = list({rid for rid in record_ids if rid not in self._cache})
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            self._cache.update(dict.fromkeys(part))
            marks = ",".join("?" * len(part))
            for record_id, version, live in self._db.execute(
                    f"SELECT record_id, version, live FROM versions WHERE record_id IN ({marks})", part):
                self._cache[record_id] = (version, bool(live))

    def confirm(self, updates: dict[str, Known]) -> None:
        """Remember acknowledged versions in one transaction."""
        for record_id, known in updates.items():
            cached = self._cache.get(record_id)
            if cached is None or known[0] > cached[0]:
                self._cache[record_id] = known
        with self._db:
            self._db.executemany("INSERT INTO versions VALUES (?, ?, ?) ON CONFLICT(record_id) DO UPDATE SET "
                                 "version = excluded.version, live = excluded.live WHERE excluded.version > version",
                                 [(rid, version, int(live)) for rid, (version, live) in updates.items()])

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def next_version(known: Known | None, action: str, given: int | None, record_id: str) -> int | Refusal:
    """Return the version an event must carry, or the Refusal the hub would give it.

    A record the book has never seen trusts the given version (enrolments get 1).
    """
    if action == "ENROL":
        if known is not None:
            return refuse("ALREADY_ENROLLED", "value", "record_id", value=record_id)
        expected = 1
    elif known is None:
        return given if given is not None else refuse(
            "VERSION_GAP", "version_unknown", "version", value=record_id)
    elif not known[1]:
        return refuse("NOT_LIVE", "value", "record_id", value=record_id)
    else:
        expected = known[0] + 1
    if given is not None and given != expected:
        return refuse("VERSION_GAP", "version_expected", "version", given=given, expected=expected)
    return expected
