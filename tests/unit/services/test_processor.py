"""The aggregator's processor over a plain dict table, with a controllable clock and no broker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.domain.register import DAY_MS
from hub.kafka.partitioning import partition_for
from hub.sensors import Sensor
from hub.services.aggregator import rescan, sweep
from hub.services.outputs import Outputs
from hub.services.processor import RegisterProcessor
from hub.services.register_table import BufferedTable
from tests.samples import EVENT, NOW_MS

PARTITIONS = 4
TOPIC = "hub.events.kz-75"
DUE_TOPIC = "hub.register.due"
SUPERVISED = {**EVENT, "record_id": "KZ-75-SUPERVISED_PERSON-00000001", "record_type": "SUPERVISED_PERSON",
              "unit": "KZ-75-AP", "ground": "COURT_SUPERVISION_ORDER"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now_ms: int):
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


class Harness:
    """A processor whose outputs are collected and decoded instead of sent to a broker."""

    def __init__(self, codec: AvroCodec, catalog: Catalog, table: dict | None = None):
        self.codec, self.sent, self.clock = codec, [], Clock(NOW_MS)
        self.table: dict[bytes, bytes] = {} if table is None else table
        outputs = Outputs(self._send, "register", "changes", "rejected", lambda unit, scope=None: "notifications", DUE_TOPIC,
                          self._fail)
        self.processor = RegisterProcessor(BufferedTable(self.table), codec, catalog, Sensor(), outputs, PARTITIONS, DUE_TOPIC,
                                           self.clock)
        self.offset = 0

    async def _send(self, topic: str, key: bytes, value: bytes, partition: int | None) -> asyncio.Future:
        self.sent.append((topic, key, None if value is None else self.codec.decode(value).value))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    @staticmethod
    def _fail(exc: BaseException) -> None:
        raise AssertionError(f"unexpected send failure {exc!r}")

    def feed(self, topic: str, value: bytes, partition: int = 0) -> None:
        self.offset += 1
        asyncio.run(self._handle(topic, partition, self.offset, value))

    async def _handle(self, topic: str, partition: int, offset: int, value: bytes) -> None:
        written = await self.processor.handle(topic, partition, offset, value)
        await written

    def event(self, event: dict[str, Any]) -> None:
        self.feed(TOPIC, self.codec.encode("RecordEvent", event), partition_for(event["record_id"].encode(),
                                                                                 PARTITIONS))

    def sweep_and_apply(self) -> list[dict]:
        """Run the timer at the clock's time and feed back every command it sent."""
        before = len(self.sent)
        asyncio.run(sweep(self.processor, set(range(PARTITIONS)), PARTITIONS, self.clock()))
        commands = [value for topic, _, value in self.sent[before:] if topic == DUE_TOPIC]
        for command in commands:
            self.feed(DUE_TOPIC, self.codec.encode("DueAction", command))
        return commands

    def outputs(self, topic: str) -> list[dict]:
        return [value for t, _, value in self.sent if t == topic]

    def state(self, record_id: str) -> dict | None:
        return self.processor.state_of(record_id.encode())


@pytest.fixture()
def harness(codec: AvroCodec, catalog: Catalog) -> Harness:
    return Harness(codec, catalog)


def test_a_time_limited_record_gets_its_notice_then_expires_then_is_purged(harness: Harness) -> None:
    harness.event(SUPERVISED)
    rid = SUPERVISED["record_id"]
    valid_until = SUPERVISED["occurred_at"] + 365 * DAY_MS
    assert harness.state(rid)["valid_until"] == valid_until

    harness.clock.now_ms = valid_until - 30 * DAY_MS - 1  # the notice period (30 days) has not begun
    assert harness.sweep_and_apply() == []
    harness.clock.now_ms += 1
    assert [c["kind"] for c in harness.sweep_and_apply()] == ["TERM_NOTICE"]
    notice = harness.outputs("notifications")[-1]
    assert notice["kind"] == "TERM_ENDING" and notice["recipient_unit"] == "KZ-75-AP"
    assert "истекает" in notice["text_ru"] and "аяқталады" in notice["text_kk"]
    assert harness.state(rid)["term_notice_sent_at"] == harness.clock.now_ms
    assert harness.state(rid)["version"] == 1  # a notice is not a new version
    assert harness.sweep_and_apply() == []  # told once

    harness.clock.now_ms = valid_until
    assert [c["kind"] for c in harness.sweep_and_apply()] == ["EXPIRE"]
    state = harness.state(rid)
    assert (state["status"], state["version"], state["removed_at"]) == ("REMOVED", 2, valid_until)
    change = harness.outputs("changes")[-1]
    assert (change["kind"], change["ground"], change["unit"]) == ("EXPIRED", "TERM_EXPIRED", "HUB")
    assert harness.outputs("notifications")[-1]["kind"] == "TERM_ENDED"

    harness.clock.now_ms = state["purge_after"] - 1
    assert harness.sweep_and_apply() == []
    harness.clock.now_ms += 1
    assert [c["kind"] for c in harness.sweep_and_apply()] == ["PURGE"]
    assert rid.encode() not in harness.table
    assert harness.outputs("register")[-1] is None  # the tombstone that purges the register topic
    assert [s["status"] for s in harness.outputs("register")[:-1]] == ["LIVE", "LIVE", "REMOVED"]
    assert harness.outputs("changes")[-1]["kind"] == "PURGED" and harness.outputs("changes")[-1]["state"] is None


def test_a_stale_or_premature_timer_command_changes_nothing(harness: Harness) -> None:
    harness.event(SUPERVISED)
    rid = SUPERVISED["record_id"]
    before = dict(harness.table)
    for command in ({"record_id": rid, "kind": "EXPIRE", "version": 1, "due_at": NOW_MS},  # not yet due
                    {"record_id": rid, "kind": "EXPIRE", "version": 7, "due_at": NOW_MS},  # another version
                    {"record_id": "KZ-75-SUPERVISED_PERSON-404", "kind": "PURGE", "version": 1, "due_at": 0}):
        harness.feed(DUE_TOPIC, harness.codec.encode("DueAction", command))
    assert harness.table == before and harness.outputs("changes")[-1]["kind"] == "ENROLLED"


def test_a_correction_without_a_term_keeps_it_and_one_with_a_term_extends_it(harness: Harness) -> None:
    rid, start = SUPERVISED["record_id"], SUPERVISED["occurred_at"]
    harness.event(SUPERVISED)
    harness.clock.now_ms = start + 10 * DAY_MS  # an event cannot come from the hub's future
    harness.event({**SUPERVISED, "event_id": "c-1", "action": "CORRECT", "version": 2,
                   "ground": "DATA_CLARIFIED", "occurred_at": start + 10 * DAY_MS})
    assert harness.state(rid)["valid_until"] == start + 365 * DAY_MS
    harness.clock.now_ms = start + 340 * DAY_MS
    assert [c["kind"] for c in harness.sweep_and_apply()] == ["TERM_NOTICE"]
    extended_at = harness.clock.now_ms = start + 350 * DAY_MS
    harness.event({**SUPERVISED, "event_id": "c-2", "action": "CORRECT", "version": 3,
                   "ground": "SUPERVISION_TERMS_CHANGED", "occurred_at": extended_at,
                   "valid_until": extended_at + 500 * DAY_MS})  # capped at the type's 365-day term
    state = harness.state(rid)
    assert state["valid_until"] == extended_at + 365 * DAY_MS and state["term_notice_sent_at"] is None
    harness.clock.now_ms = start + 365 * DAY_MS
    assert harness.sweep_and_apply() == [] and harness.state(rid)["status"] == "LIVE"
    harness.clock.now_ms = state["valid_until"]
    assert [c["kind"] for c in harness.sweep_and_apply()] == ["TERM_NOTICE", "EXPIRE"]
    assert harness.state(rid)["status"] == "REMOVED"


def test_a_batch_applies_its_events_in_order_and_refuses_one_on_the_wrong_partition(harness: Harness) -> None:
    events = [{**EVENT, "event_id": f"b-{i}", "record_id": f"KZ-75-WANTED_PERSON-{i:08d}"} for i in range(40)]
    home = partition_for(events[0]["record_id"].encode(), PARTITIONS)
    ours = [e for e in events if partition_for(e["record_id"].encode(), PARTITIONS) == home]
    stranger = next(e for e in events if partition_for(e["record_id"].encode(), PARTITIONS) != home)
    batch = ours[:3] + [stranger] + ours[3:] + [{**ours[0], "event_id": "b-c", "action": "CORRECT", "version": 2,
                                                   "ground": "DATA_CLARIFIED"}]
    value = harness.codec.encode("RecordEventBatch", {"batch_id": "B1", "region": "KZ-75", "events": batch})
    harness.feed(TOPIC, value, partition=home)
    assert len(harness.table) == len(ours) and harness.state(ours[0]["record_id"])["version"] == 2
    [rejection] = harness.outputs("rejected")
    assert rejection["reason_code"] == "MISPARTITIONED" and rejection["source_index"] == 3
    assert harness.codec.decode(rejection["original"]).value["event_id"] == stranger["event_id"]
    assert harness.outputs("notifications")[0]["recipient_unit"] == "KZ-75-CP"


def test_garbage_and_foreign_messages_are_rejected_not_fatal(harness: Harness) -> None:
    harness.feed(TOPIC, b"\xc3\x01" + bytes(8) + b"garbage")
    harness.feed(TOPIC, None)
    harness.feed(TOPIC, harness.codec.encode("DueAction", {"record_id": "x", "kind": "PURGE", "version": 1,
                                                           "due_at": 0}))
    harness.event(EVENT)
    codes = [r["reason_code"] for r in harness.outputs("rejected")]
    assert codes == ["UNKNOWN_SCHEMA", "UNDECODABLE", "UNDECODABLE"]
    assert harness.state(EVENT["record_id"])["status"] == "LIVE"


def test_a_defect_in_handling_is_rejected_as_other_and_the_stream_goes_on(harness: Harness) -> None:
    harness.processor.catalog = None  # any catalog lookup now fails as a defect would
    harness.event(EVENT)
    assert [r["reason_code"] for r in harness.outputs("rejected")] == ["OTHER"]


def test_recovery_rescan_counts_the_register_and_rebuilds_deadlines(codec: AvroCodec, catalog: Catalog) -> None:
    first = Harness(codec, catalog)
    first.event(SUPERVISED)
    first.event(EVENT)
    first.event({**EVENT, "event_id": "r", "action": "REMOVE", "version": 2, "ground": "PERSON_DETAINED",
                 "document": None})
    second = Harness(codec, catalog, table=first.table)  # a restarted worker over the recovered table
    counts = asyncio.run(rescan(second.processor))
    assert counts == {("SUPERVISED_PERSON", "LIVE"): 1, ("WANTED_PERSON", "REMOVED"): 1}
    assert len(second.processor.deadlines) == 2


def test_a_run_applies_each_original_as_read_from_its_own_topic_with_one_flush(harness: Harness) -> None:
    enrol = {**EVENT, "event_id": "r-1"}
    correct = {**enrol, "event_id": "r-2", "action": "CORRECT", "version": 2, "ground": "DATA_CLARIFIED"}
    home = partition_for(enrol["record_id"].encode(), PARTITIONS)
    originals = [(40, harness.codec.encode("RecordEvent", enrol)), (41, b"\xc3\x01" + bytes(8) + b"garbage"),
                 (43, harness.codec.encode("RecordEvent", correct)), (44, harness.codec.encode("RecordEvent", enrol))]
    run = {"source_topic": TOPIC, "source_partition": home,
           "messages": [{"offset": o, "timestamp_ms": NOW_MS, "value": v} for o, v in originals]}
    flushes = []
    flush = harness.processor._flush
    harness.processor._flush = lambda partition: flushes.append(partition) or flush(partition)

    asyncio.run(harness.processor.handle_run("hub.regrouped.events", home, 7, harness.codec.encode("EventRun", run)))

    assert flushes == [home]
    assert harness.state(enrol["record_id"])["version"] == 2  # the repeated enrolment is a duplicate
    assert [c["version"] for c in harness.outputs("changes")] == [1, 2]
    [rejection] = harness.outputs("rejected")
    assert (rejection["source_topic"], rejection["source_partition"], rejection["source_offset"]) == (TOPIC, home, 41)
    assert harness.processor.positions == {("hub.regrouped.events", home): 8}


def test_a_regrouped_message_that_is_no_run_is_rejected_where_it_was_read(harness: Harness) -> None:
    asyncio.run(harness.processor.handle_run("hub.regrouped.events", 2, 9, harness.codec.encode("RecordEvent", EVENT)))
    [rejection] = harness.outputs("rejected")
    assert (rejection["source_topic"], rejection["source_offset"], rejection["reason_code"]) == \
        ("hub.regrouped.events", 9, "UNDECODABLE")
    assert harness.state(EVENT["record_id"]) is None
