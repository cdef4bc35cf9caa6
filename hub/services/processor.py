"""Applies each input of the aggregator (event, batch, timer command, garbage) to the register table."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable

from hub.codec import AvroCodec
from hub.codec.compiled import Encoded
from hub.domain.catalog import Catalog
from hub.domain.deadlines import DeadlineIndex
from hub.domain.notices import term_ended, term_ending
from hub.domain.reasons import Refusal, refuse
from hub.domain.register import (
    apply_event,
    deadlines,
    due_action,
    expire,
    noticed,
    purge,
)
from hub.domain.validation import EventRules, hinted
from hub.errors import CodecError
from hub.kafka.partitioning import partitions_for
from hub.sensors import Sensor
from hub.services.outputs import Outputs
from hub.services.register_table import BufferedTable
from hub.services.register_writes import PartitionWriter
from hub.services.rejections import (
    Source,
    refusal_of,
    rejection_notice,
    rejection_value,
)

log = logging.getLogger(__name__)

EVENT = "kz.mvd.records.RecordEvent"
BATCH = "kz.mvd.records.RecordEventBatch"
DUE = "kz.mvd.records.DueAction"
RUN = "kz.mvd.records.EventRun"
DOCUMENT, STORED_DOCUMENT = f"{EVENT}.document", "kz.mvd.records.RegisterRecord.document"


def wall_clock_ms() -> int:
    """Return the current time in epoch milliseconds."""
    return int(time.time() * 1000)


class RegisterProcessor:
    """Checks inputs, applies them to the register table and publishes every output."""

    def __init__(self, table: BufferedTable, codec: AvroCodec, catalog: Catalog, sensor: Sensor,
                 outputs: Outputs, partitions: int, due_topic: str,
                 clock_ms: Callable[[], int] = wall_clock_ms):
        """Work on `table` (record id -> RegisterRecord single object); `due_topic` carries timer commands."""
        self.table, self.codec, self.catalog, self.sensor = table, codec, catalog, sensor
        self.outputs, self.partitions, self.due_topic, self.clock_ms = outputs, partitions, due_topic, clock_ms
        self.rules = EventRules(catalog)
        self.deadlines = DeadlineIndex()
        self.positions: dict[tuple[str, int], int] = {}
        self.applied: dict[tuple[str, int], int] = {}  # events partition -> next offset, of the runs handled
        self._changes: list[tuple[bytes, bytes]] = []
        self._writers: dict[int, PartitionWriter] = {}

    async def handle(self, topic: str, partition: int, offset: int, value: bytes | None) -> asyncio.Future:
        """Handle one Kafka message: never raises for bad input, which is rejected instead. Return a future
        that is done once the message's change log and register writes are acknowledged and stored; its
        offset may be committed only then."""
        return await self._flushed(topic, partition, offset, self._handle(topic, partition, offset, value))

    async def handle_run(self, topic: str, partition: int, offset: int, value: bytes | None) -> asyncio.Future:
        """Handle a message of the regrouped topic: each original message of its run as if it were read from its
        own topic, partition and offset, with one flush for them all. Return a future as `handle` does."""
        return await self._flushed(topic, partition, offset, self._handle_run(topic, partition, offset, value))

    async def _flushed(self, topic: str, partition: int, offset: int, work: Awaitable[None]) -> asyncio.Future:
        self.positions[(topic, partition)] = offset + 1
        try:
            await work
        finally:
            written = await self._flush(partition)
        return written

    async def _handle_run(self, topic: str, partition: int, offset: int, value: bytes | None) -> None:
        try:
            run = self.codec.decode(value or b"", expect=RUN).value
        except CodecError as exc:  # only the hub writes there: a defect or an intruder, rejected alike
            await self.reject(refusal_of(exc), Source(topic, partition, offset), value or b"", None)
            return
        source_topic, source_partition = run["source_topic"], run["source_partition"]
        for message in run["messages"]:
            await self._handle(source_topic, source_partition, message["offset"], message["value"])
        if run["messages"]:
            self.applied[(source_topic, source_partition)] = run["messages"][-1]["offset"] + 1

    async def _flush(self, partition: int) -> asyncio.Future:
        changes, self._changes = self._changes, []
        register = self.table.take_pending()
        if not changes and not register:
            nothing = asyncio.get_running_loop().create_future()
            nothing.set_result(None)
            return nothing
        writer = self._writers.get(partition)
        if writer is None:
            writer = self._writers[partition] = PartitionWriter(self.outputs, partition, self.table.acknowledged)
        return writer.submit(changes, register)

    async def _handle(self, topic: str, partition: int, offset: int, value: bytes | None) -> None:
        source, message = Source(topic, partition, offset), value or b""
        try:
            schema = self.codec.schema_of(message)
            if schema in (EVENT, BATCH):
                decoded, documents = self.codec.decode_copies(message, schema, DOCUMENT)
            else:
                decoded, documents = self.codec.decode(message).value, None
        except CodecError as exc:
            await self.reject(refusal_of(exc), source, message, None)
            return
        if topic == self.due_topic and schema == DUE:
            await self.handle_due(decoded, partition)
        elif schema == EVENT:
            await self.handle_event(decoded, source, message, documents[0] if documents else None)
        elif schema == BATCH:
            await self.handle_batch(decoded, source, documents)
        else:
            await self.reject(refuse("UNDECODABLE", "not_an_event", schema=schema.rsplit(".", 1)[-1]), source, message, None)

    async def handle_batch(self, batch: dict[str, Any], source: Source, documents: list | None = None) -> None:
        """Handle every event of a batch as if it came alone, in order (documents: theirs as they were
        written, when known)."""
        self.sensor.on_batch(len(batch["events"]))
        homes = partitions_for([event["record_id"].encode() for event in batch["events"]], self.partitions)
        for index, (event, home) in enumerate(zip(batch["events"], homes)):
            if home != source.partition:
                refusal = refuse("MISPARTITIONED", "partition", "record_id", value=event["record_id"], home=home,
                                 partition=source.partition)
                await self.reject(refusal, source.at(index), self.codec.encode("RecordEvent", event), event)
                continue
            await self.handle_event(event, source, None, documents[index] if documents else None, index)

    async def handle_event(self, event: dict[str, Any], source: Source, original: bytes | None,
                           document: Encoded | None = None, index: int | None = None) -> None:
        """Check one event, apply it to its record's state and publish the outcome (document: the event's
        document as it was written, copied into the register as it is)."""
        try:
            await self._apply(event, source, original, document, index)
        except Exception as exc:  # a defect must not stop the stream: the input goes to rejected
            log.exception("cannot handle %s", source.at(index))
            await self.reject(refuse("OTHER", "internal", value=type(exc).__name__), source.at(index),
                              original or self._reencode(event), event)

    async def _apply(self, event: dict[str, Any], source: Source, original: bytes | None,
                     document: Encoded | None, index: int | None) -> None:
        now_ms, region = self.clock_ms(), source.region
        refusal = self.rules.check(event, region, now_ms)
        if refusal is not None:
            await self.reject(refusal, source.at(index), original or self._reencode(event), event)
            return
        key = event["record_id"].encode()
        state = self._stored(key, source.partition)
        passport = self.catalog.passport(event["record_type"])
        decision = apply_event(state, event if document is None else {**event, "document": document}, passport,
                               now_ms)
        if decision.outcome == "refused":
            await self.reject(decision.refusal, source.at(index), original or self._reencode(event), event)
        elif decision.outcome == "duplicate":
            self.sensor.on_event(region, event["action"], "duplicate")
        else:
            record = self._write(key, state, decision.state)
            self._log(key, decision.change, record)
            self.sensor.on_event(region, event["action"], "applied")
            self.sensor.on_applied_latency((now_ms - event["occurred_at"]) / 1000)

    async def handle_due(self, command: dict[str, Any], partition: int) -> None:
        """Carry out a timer command if it still holds for the record's current state."""
        key = command["record_id"].encode()
        state = self._stored(key, partition)
        if state is None or state["version"] != command["version"]:
            return
        passport = self.catalog.passport(state["record_type"])
        now_ms = self.clock_ms()
        kind = due_action(state, now_ms, passport)
        if kind == "PURGE":
            del self.table[key]
            self.deadlines.forget(command["record_id"])
            self._log(key, purge(state, now_ms), None)
            self.sensor.on_register_change(state["record_type"], state["status"], None)
        elif kind == "EXPIRE" and passport is not None:
            decision = expire(state, passport, now_ms)
            record = self._write(key, state, decision.state)
            self._log(key, decision.change, record)
            await self.outputs.notify(state["owner_unit"], self.codec.encode(
                "Notification", term_ended(state, passport, now_ms)))
        elif kind == "TERM_NOTICE" and passport is not None:
            self._write(key, state, noticed(state, now_ms))
            await self.outputs.notify(state["owner_unit"], self.codec.encode(
                "Notification", term_ending(state, passport, now_ms)))

    def state_of(self, key: bytes) -> dict[str, Any] | None:
        """Return a record's current state from the table, or None."""
        raw = self.table.get(key)
        return None if raw is None else self.codec.decode(raw, expect="RegisterRecord").value

    def _stored(self, key: bytes, partition: int) -> dict[str, Any] | None:
        """Return a record's current state with its document left as the bytes it is stored as (a new state
        keeps them as they are), or None."""
        raw = self.table.get(key, partition=partition)
        return None if raw is None else self.codec.decode_encoded(raw, "RegisterRecord", STORED_DOCUMENT)

    def track(self, state: dict[str, Any]) -> None:
        """Index the deadlines of a record's state (after a write or during recovery)."""
        passport = self.catalog.passport(state["record_type"])
        self.deadlines.track(state["record_id"], state["version"], deadlines(state, passport))

    def _write(self, key: bytes, old: dict | None, new: dict[str, Any]) -> bytes:
        # The table's changelog is the register topic, so this one write is also the register's output.
        record = self.table[key] = self.codec.encode("RegisterRecord", hinted(new))
        self.track(new)
        self.sensor.on_register_change(new["record_type"], old and old["status"], new["status"])
        return record

    def _log(self, key: bytes, change: dict[str, Any], record: bytes | None) -> None:
        # Changes are sent when the message is done, as one produce batch for its partition.
        if record is None:
            value = self.codec.encode("RegisterChange", change)
        else:
            value = self.codec.encode_with_last("RegisterChange", change, record)
        self._changes.append((key, value))

    async def reject(self, refusal: Refusal, source: Source, original: bytes, event: dict | None) -> None:
        """Publish a rejection with the original bytes and tell the sending unit."""
        value = rejection_value(refusal, source, original, event, self.clock_ms())
        key = (value["unit"] or source.topic).encode()
        await self.outputs.reject(key, self.codec.encode("Rejection", value))
        if value["unit"]:
            await self.outputs.notify(value["unit"], self.codec.encode("Notification", rejection_notice(value)),
                                      scope=source.region)
        self.sensor.on_event(source.region, (event or {}).get("action") or "UNKNOWN", "rejected")
        self.sensor.on_rejection(refusal.code)

    def _reencode(self, event: dict[str, Any]) -> bytes:
        try:
            return self.codec.encode("RecordEvent", event)
        except CodecError:
            return repr(event).encode()
