"""PostgreSQL sink: a SQL copy of the central register (upserts by version, deletes on purge) for analysts."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from itertools import groupby
from typing import Any

import psycopg
from aiokafka.structs import ConsumerRecord

from connectors.sensors import NULL_CONNECTOR_SENSOR, ConnectorSensor
from connectors.sinks.runtime import DeadLetters
from hub.codec import AvroCodec
from hub.errors import CodecError

COLUMNS = ("record_id", "record_type", "object_kind", "region", "version", "status", "owner_unit",
           "enrolled_by_unit", "enrolment_initiator", "confidentiality", "enrolled_at", "updated_at", "removed_at",
           "valid_until", "purge_after", "last_event_id", "document", "term_notice_sent_at")
TIMES = {"enrolled_at", "updated_at", "removed_at", "valid_until", "purge_after", "term_notice_sent_at"}
UPSERT = (
    f"INSERT INTO central_register ({', '.join(COLUMNS)}, source_partition, source_offset) VALUES ("
    + ", ".join(f"to_timestamp(%({c})s / 1000.0)" if c in TIMES else f"%({c})s" for c in COLUMNS)
    + ", %(source_partition)s, %(source_offset)s) ON CONFLICT (record_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:] + ("source_partition", "source_offset"))
    + ", copied_at = now() WHERE excluded.version > central_register.version OR (excluded.version ="
    " central_register.version AND excluded.source_offset > central_register.source_offset)"
)


DELETE = "DELETE FROM central_register WHERE record_id = %s"


def register_copy_sql() -> str:
    """Return the shipped SQL of the central_register table."""
    return resources.files("connectors.sinks").joinpath("sql", "register_copy.sql").read_text(encoding="utf-8")


def row_of(state: dict[str, Any], record: ConsumerRecord) -> dict[str, Any]:
    """Return the SQL parameters of one register state."""
    row = {column: state.get(column) for column in COLUMNS}
    row["document"] = None if state.get("document") is None else json.dumps(state["document"], ensure_ascii=False)
    row["source_partition"], row["source_offset"] = record.partition, record.offset
    return row


class PostgresSink:
    """Keeps central_register equal to the register topic: the last state of each key in a batch, in one transaction."""

    name = "postgres"

    def __init__(self, dsn: str, codec: AvroCodec, dead_letters: DeadLetters,
                 sensor: ConnectorSensor = NULL_CONNECTOR_SENSOR):
        """Write into the database at dsn (central_register is created when missing)."""
        self.dsn, self.codec, self.dead_letters, self.sensor = dsn, codec, dead_letters, sensor
        self._conn: psycopg.AsyncConnection | None = None
        self._lock = asyncio.Lock()  # partitions' batches arrive side by side; one connection writes them in turn

    async def write(self, records: list[ConsumerRecord]) -> None:
        """Apply a batch in order in one transaction: upserts (never to a lower version), deletes on purge."""
        steps: list[tuple[str, Any]] = []
        for record in records:
            if record.value is None:
                steps.append((DELETE, (record.key.decode("utf-8"),)))
                continue
            try:
                steps.append((UPSERT, row_of(self.codec.decode(record.value, expect="RegisterRecord").value, record)))
            except CodecError as exc:  # kept for an operator; the copy goes on
                self.sensor.on_invalid("UNDECODABLE")
                await self.dead_letters.send(record, "central_register", 0, "UNDECODABLE", str(exc))
        async with self._lock:
            await self._apply(steps)
        self.sensor.on_sent(len(records))

    async def _apply(self, steps: list[tuple[str, Any]]) -> None:
        conn = await self._connection()
        async with conn.transaction():
            async with conn.cursor() as cursor:
                for statement, run in groupby(steps, key=lambda step: step[0]):
                    await cursor.executemany(statement, [params for _, params in run])

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
            await self._conn.execute(register_copy_sql())
        return self._conn

    async def close(self) -> None:
        """Disconnect."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
