"""The outbox relay: publishes a regional database's outbox rows in order, marks them sent once acknowledged."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg

from connectors.client import Prepared, RegionalClient, stable_event_id
from hub.errors import ConfigurationError, InvalidEventError

log = logging.getLogger(__name__)

LOCK_ID = 0x6875624F5554  # pg advisory lock: one active relay per database ("hubOUT")
MARK_SENT = ("UPDATE hub_outbox AS o SET sent_at = now(), topic_partition = v.p, topic_offset = v.o "
             "FROM unnest(%s::bigint[], %s::int[], %s::bigint[]) AS v(id, p, o) WHERE o.id = v.id")
MARK_REFUSED = "UPDATE hub_outbox SET sent_at = now(), refused_reason = %s, refused_text = %s WHERE id = %s"


def outbox_sql(name: str = "outbox.sql") -> str:
    """Return the shipped SQL of the outbox table (outbox.sql) or its trigger variant (outbox_trigger.sql)."""
    return resources.files("connectors.outbox").joinpath("sql", name).read_text(encoding="utf-8")


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

    def __init__(self, dsn: str, client: RegionalClient, batch_rows: int = 2000, poll_interval_s: float = 0.2):
        """Relay the outbox of the database at `dsn` through a started client."""
        self.dsn, self.client, self.batch_rows, self.poll_interval_s = dsn, client, batch_rows, poll_interval_s
        self.stats = RelayStats()
        self._stopping = asyncio.Event()
        self._source = ""

    def stop(self) -> None:
        """Ask the relay to finish the batch in hand and return."""
        self._stopping.set()

    async def run(self, until_empty: bool = False) -> RelayStats:
        """Relay until stopped (or, with until_empty, until no unsent row is left)."""
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            await self._take_lock(conn)
            self._source = await self._source_name(conn)
            while not self._stopping.is_set():
                moved = await self.relay_batch(conn)
                if moved == 0:
                    if until_empty:
                        break
                    await self._report_lag(conn)
                    try:
                        await asyncio.wait_for(self._stopping.wait(), self.poll_interval_s)
                    except asyncio.TimeoutError:
                        pass
        return self.stats

    async def relay_batch(self, conn: psycopg.AsyncConnection) -> int:
        """Send the next unsent rows and mark them; return how many rows were handled."""
        rows = await (await conn.execute(
            "SELECT id, event FROM hub_outbox WHERE sent_at IS NULL ORDER BY id LIMIT %s", (self.batch_rows,)
        )).fetchall()
        if not rows:
            return 0
        prepared, ids, refused = self._check(rows)
        deliveries = await self.client.send_prepared(prepared)
        async with conn.transaction():
            await conn.execute(MARK_SENT, (ids, [d.partition for d in deliveries], [d.offset for d in deliveries]))
            if refused:
                async with conn.cursor() as cursor:
                    await cursor.executemany(MARK_REFUSED, refused)
        self.stats.sent += len(deliveries)
        self.stats.refused += len(refused)
        self.stats.batches += 1
        return len(rows)

    def _check(self, rows: list[tuple[int, Any]]) -> tuple[list[Prepared], list[int], list[tuple]]:
        values, positions, refused = [], [], []
        for row_id, event in rows:
            if not isinstance(event, dict):
                refused.append(("INVALID_FIELD", f"the outbox row is not a RecordEvent object: {event!r}"[:2000], row_id))
                continue
            values.append({**event, "event_id": event.get("event_id") or stable_event_id("outbox", self._source, row_id)})
            positions.append(row_id)
        prepared, ids = [], []
        for row_id, result in zip(positions, self.client.check(values)):
            if isinstance(result, InvalidEventError):
                log.error("outbox row %d refused: %s", row_id, result)
                self.client.sensor.on_invalid(result.reason)
                refused.append((result.reason, result.sentences["en"], row_id))
            else:
                prepared.append(result)
                ids.append(row_id)
        return prepared, ids, refused

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
