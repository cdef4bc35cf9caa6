"""The outbox relay: publishes a regional database's outbox rows in order, marks them sent once acknowledged."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from importlib import resources
from typing import Awaitable, Iterable

import psycopg

from connectors.client import Delivery, Prepared, RegionalClient
from connectors.outbox.rows import prepare_outbox_rows
from hub.errors import ConfigurationError, InvalidEventError

log = logging.getLogger(__name__)

LOCK_ID = 0x6875624F5554  # pg advisory lock: one active relay per database ("hubOUT")
# Arrays go as text literals (quicker to write than psycopg's lists); the id range keeps the join to an index scan.
MARK_SENT = ("UPDATE hub_outbox AS o SET sent_at = now(), topic_partition = v.p, topic_offset = v.o "
             "FROM unnest(%s::text::bigint[], %s::text::int[], %s::text::bigint[]) AS v(id, p, o) "
             "WHERE o.id = v.id AND o.id BETWEEN %s AND %s")
# Reading above the highest id read keeps the index scan off the entries of rows already sent.
READ_ABOVE = "SELECT id, event::text FROM hub_outbox WHERE sent_at IS NULL AND id > %s ORDER BY id LIMIT %s"
READ_OUTSIDE = ("SELECT id, event::text FROM hub_outbox WHERE sent_at IS NULL AND (id < %s OR id > %s) "
                "ORDER BY id LIMIT %s")
PREPARED_AHEAD = 2  # batches the workers check beyond the one being sent
MARK_REFUSED = "UPDATE hub_outbox SET sent_at = now(), refused_reason = %s, refused_text = %s WHERE id = %s"


def array_literal(numbers: Iterable[int]) -> str:
    """Return PostgreSQL's text form of an integer array."""
    return "{" + ",".join(map(str, numbers)) + "}"


def outbox_sql(name: str = "outbox.sql") -> str:
    """Return the shipped SQL of the outbox table (outbox.sql) or its trigger variant (outbox_trigger.sql)."""
    return resources.files("connectors.outbox").joinpath("sql", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Batch:
    """Outbox rows read and checked: the events to send, their row ids, and the rows refused (reason, text, id)."""

    id_range: tuple[int, int]
    prepared: list[Prepared]
    ids: list[int]
    refused: list[tuple[str, str, int]]


@dataclass
class RelayStats:
    """What a relay has done since it started."""

    sent: int = 0
    refused: int = 0
    batches: int = 0


class OutboxRelay:
    """Moves outbox rows to the region's events topic: read in id order, send, wait for the broker, mark sent.

    A crash between the acknowledgement and the mark resends those rows with the same event ids;
    the hub's duplicate check drops them. A row the hub's rules would refuse is marked with its
    reason and sentence and never sent, so one bad row cannot stop the queue.
    """

    def __init__(self, dsn: str, client: RegionalClient, batch_rows: int = 2000, poll_interval_s: float = 0.2,
                 sweep_interval_s: float = 5.0):
        """Relay the outbox of the database at `dsn` through a started client."""
        self.dsn, self.client, self.batch_rows, self.poll_interval_s = dsn, client, batch_rows, poll_interval_s
        self.sweep_interval_s = sweep_interval_s
        self._cursor = 0  # highest id read
        self._next_sweep_s = 0.0
        self.stats = RelayStats()
        self._stopping = asyncio.Event()
        self._source = ""
        self._unmarked: list[tuple[int, int]] = []  # id ranges of batches read and not yet marked

    def stop(self) -> None:
        """Ask the relay to finish the batch in hand and return."""
        self._stopping.set()

    async def run(self, until_empty: bool = False) -> RelayStats:
        """Relay until stopped (or, with until_empty, until no unsent row is left).

        The workers check the next batches while this one is admitted and sent; batches are sent one
        after another and each is marked once acknowledged.
        """
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as reader, \
                await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as marker:
            await self._take_lock(reader)
            self._source = await self._source_name(reader)
            ahead: deque[tuple[list[tuple[int, str]], asyncio.Future]] = deque()
            in_flight: asyncio.Future | None = None
            try:
                while not self._stopping.is_set():
                    await self._read_ahead(reader, ahead)
                    if not ahead:
                        if in_flight is not None:
                            await in_flight
                            in_flight = None
                            continue  # rows committed late among the batch just marked can now be read
                        if until_empty:
                            break
                        await self._idle(reader)
                        continue
                    batch = await self._check(*ahead.popleft())
                    if in_flight is not None:
                        await in_flight
                    sending = self.client.send_prepared(batch.prepared)
                    in_flight = asyncio.ensure_future(self._mark_when_sent(marker, batch, sending))
            finally:
                for _, preparing in ahead:
                    preparing.cancel()
                if in_flight is not None:
                    await in_flight
        return self.stats

    async def _read_ahead(self, conn: psycopg.AsyncConnection, ahead: deque) -> None:
        """Read batches until PREPARED_AHEAD of them are with the workers (or no row is left)."""
        while len(ahead) <= PREPARED_AHEAD and not self._stopping.is_set():
            rows = await self._read(conn)
            if not rows:
                return
            ahead.append((rows, asyncio.ensure_future(self.client.prepare(prepare_outbox_rows, rows, self._source))))

    async def _read(self, conn: psycopg.AsyncConnection) -> list[tuple[int, str]]:
        """Return the next unsent rows: above the highest id read so far, or, in a sweep (at the start,
        every sweep_interval_s, and whenever nothing is above), from the lowest unsent id, so a row whose
        transaction committed after higher ids were read is sent too."""
        found = [] if time.monotonic() >= self._next_sweep_s else await self._select(conn, READ_ABOVE, self._cursor)
        if not found:
            self._next_sweep_s = time.monotonic() + self.sweep_interval_s
            # Rows read but not yet marked are still unsent: skip their id range (a row committed late
            # inside it is read by the next sweep).
            unmarked = self._unmarked or [(0, -1)]
            found = await self._select(conn, READ_OUTSIDE, min(r[0] for r in unmarked), max(r[1] for r in unmarked))
        if found:
            self._unmarked.append((found[0][0], found[-1][0]))
            self._cursor = max(self._cursor, found[-1][0])
        return found

    async def _select(self, conn: psycopg.AsyncConnection, query: str, *bounds: int) -> list[tuple[int, str]]:
        return await (await conn.execute(query, (*bounds, self.batch_rows))).fetchall()

    async def _mark_when_sent(self, conn: psycopg.AsyncConnection, batch: "Batch",
                              sending: Awaitable[list[Delivery]]) -> None:
        deliveries = await sending
        async with conn.transaction():
            await conn.execute(MARK_SENT, (array_literal(batch.ids), array_literal(d.partition for d in deliveries),
                                           array_literal(d.offset for d in deliveries), *batch.id_range),
                               prepare=False)  # a generic plan would not see the range and scan the table
            if batch.refused:
                async with conn.cursor() as cursor:
                    await cursor.executemany(MARK_REFUSED, batch.refused)
        self._unmarked.remove(batch.id_range)
        self.stats.sent += len(deliveries)
        self.stats.refused += len(batch.refused)
        self.stats.batches += 1

    async def _idle(self, conn: psycopg.AsyncConnection) -> None:
        await self._report_lag(conn)
        try:
            await asyncio.wait_for(self._stopping.wait(), self.poll_interval_s)
        except asyncio.TimeoutError:
            pass

    async def _check(self, rows: list[tuple[int, str]], preparing: Awaitable[list]) -> Batch:
        prepared = self.client.admit(await preparing, [row_id for row_id, _ in rows])
        sendable, ids, refused = [], [], []
        for (row_id, _), result in zip(rows, prepared):
            if isinstance(result, InvalidEventError):
                log.error("outbox row %d refused: %s", row_id, result)
                self.client.sensor.on_invalid(result.reason)
                refused.append((result.reason, result.sentences["en"], row_id))
            else:
                sendable.append(result)
                ids.append(row_id)
        return Batch((rows[0][0], rows[-1][0]), sendable, ids, refused)

    async def _take_lock(self, conn: psycopg.AsyncConnection) -> None:
        while not (await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_ID,))).fetchone())[0]:
            log.info("another relay holds the outbox; waiting")
            try:
                await asyncio.wait_for(self._stopping.wait(), 1.0)
                return
            except asyncio.TimeoutError:
                continue

    async def _source_name(self, conn: psycopg.AsyncConnection) -> str:
        try:
            row = await (await conn.execute(
                "SELECT system_identifier::text || '/' || current_database() FROM pg_control_system()")).fetchone()
        except psycopg.Error as exc:
            raise ConfigurationError(f"cannot identify the outbox's database: {exc}") from exc
        return row[0]

    async def _report_lag(self, conn: psycopg.AsyncConnection) -> None:
        row = await (await conn.execute("SELECT count(*) FROM hub_outbox WHERE sent_at IS NULL")).fetchone()
        self.client.sensor.on_lag(row[0])
