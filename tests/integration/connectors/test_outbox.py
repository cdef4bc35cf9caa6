"""The outbox relay against a real PostgreSQL and the real broker: in order, nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from connectors.client import RegionalClient, stable_event_id
from connectors.outbox import OutboxRelay, outbox_sql
from hub.kafka.topics import CHANGES, REGISTER
from tests.integration.connectors.test_importer import events_on_topic
from tests.integration.helpers import REPO, Worker, decode_all, read_until, settings_env
from tests.samples import PERSON

PERSON_JSON = {**PERSON, "identity_documents": []}


def event_row(n: int, action: str, version: int) -> dict:
    """Return the outbox JSON of one event of record n (as a regional application would write it)."""
    ground = {"ENROL": "WANTED_HIDING_FROM_INVESTIGATION", "CORRECT": "DATA_CLARIFIED", "REMOVE": "PERSON_DETAINED"}
    return {"record_id": f"KZ-75-WANTED_PERSON-{n:08d}", "record_type": "WANTED_PERSON", "action": action,
            "version": version, "unit": "KZ-75-CP", "officer": "750123", "ground": ground[action],
            "occurred_at": int(time.time() * 1000),
            "document": None if action == "REMOVE" else {**PERSON_JSON, "special_marks": f"v{version}"}}


def write_history(dsn: str, records: range, seed: int) -> dict[str, int]:
    """Write each record's enrolment and some corrections and removals, a transaction per change, in a random
    interleaving of records; return each record's final version."""
    rng = random.Random(seed)
    plans = {n: ["ENROL"] + ["CORRECT"] * rng.randint(0, 3) + (["REMOVE"] if rng.random() < 0.3 else [])
             for n in records}
    done = {n: 0 for n in records}
    with psycopg.connect(dsn, autocommit=False) as conn:
        pending = [n for n in records for _ in plans[n]]
        rng.shuffle(pending)
        for n in pending:
            action = plans[n][done[n]]
            done[n] += 1
            row = event_row(n, action, done[n])
            conn.execute("INSERT INTO hub_outbox (record_id, event) VALUES (%s, %s)",
                         (row["record_id"], json.dumps(row)))
            conn.commit()
    return {f"KZ-75-WANTED_PERSON-{n:08d}": v for n, v in done.items()}


def relay_until_empty(settings, dsn: str) -> object:
    async def run():
        client = await RegionalClient.connect(settings, "KZ-75")
        try:
            return await OutboxRelay(dsn, client, batch_rows=50).run(until_empty=True)
        finally:
            await client.stop()
    return asyncio.run(run())


def test_relay_sends_rows_in_order_marks_them_and_refuses_bad_ones(provisioned, postgres_dsn, codec):
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(outbox_sql())
    finals = write_history(postgres_dsn, range(40), seed=1)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        bad_iin = {**event_row(90, "ENROL", 1), "document": {**PERSON_JSON, "iin": "123456789012"}}
        conn.execute("INSERT INTO hub_outbox (record_id, event) VALUES (%s, %s)", (bad_iin["record_id"],
                                                                                 json.dumps(bad_iin)))
        conn.execute("INSERT INTO hub_outbox (record_id, event) VALUES ('KZ-75-X-1', '{\"what\": 1}')")
        conn.execute("INSERT INTO hub_outbox (record_id, event) VALUES ('KZ-75-X-2', '[1, 2]')")
    stats = relay_until_empty(provisioned, postgres_dsn)
    rows = sum(finals.values())
    assert (stats.sent, stats.refused) == (rows, 3)
    events = events_on_topic(provisioned, codec, "KZ-75")
    by_record: dict[str, list[int]] = {}
    for event in events:
        by_record.setdefault(event["record_id"], []).append(event["version"])
    assert by_record == {rid: list(range(1, v + 1)) for rid, v in finals.items()}  # each in version order
    with psycopg.connect(postgres_dsn) as conn:
        source = conn.execute("SELECT system_identifier::text || '/' || current_database() "
                              "FROM pg_control_system()").fetchone()[0]
        marked = conn.execute("SELECT id, sent_at IS NOT NULL, topic_offset, refused_reason FROM hub_outbox "
                              "ORDER BY id").fetchall()
    assert all(sent for _, sent, _, _ in marked)
    assert [reason for *_, reason in marked if reason] == ["INVALID_FIELD", "MISSING_FIELD", "INVALID_FIELD"]
    assert {e["event_id"] for e in events} == {stable_event_id("outbox", source, i) for i, _, offset, _ in marked
                                               if offset is not None}


def test_relay_killed_at_random_moments_loses_nothing_and_the_hub_applies_nothing_twice(
        provisioned, postgres_dsn, codec, tmp_path: Path):
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(outbox_sql())
    command = [sys.executable, "-m", "hub", "outbox-relay", "--dsn", postgres_dsn, "--region", "KZ-75",
               "--batch-rows", "100"]
    env = settings_env(provisioned)
    rng, kills, finals = random.Random(11), 0, {}
    for round_ in range(4):
        relay = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                 stderr=open(tmp_path / "relay.log", "ab"))
        finals.update(write_history(postgres_dsn, range(round_ * 300, (round_ + 1) * 300), seed=round_))
        time.sleep(rng.uniform(0.0, 1.5))
        relay.kill()  # SIGKILL
        relay.wait()
        kills += 1
    stats = relay_until_empty(provisioned, postgres_dsn)
    with psycopg.connect(postgres_dsn) as conn:
        unsent = conn.execute("SELECT count(*) FROM hub_outbox WHERE sent_at IS NULL").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM hub_outbox").fetchone()[0]
    events = events_on_topic(provisioned, codec, "KZ-75")
    assert unsent == 0 and kills == 4 and stats.refused == 0
    assert len({e["event_id"] for e in events}) == total == sum(finals.values())  # none lost
    resent = len(events) - total  # rows acknowledged but not marked before a kill, sent again

    worker = Worker(provisioned, tmp_path / "worker.log", service="aggregator")
    try:
        changes = decode_all(codec, asyncio.run(read_until(
            provisioned, CHANGES.name(provisioned), lambda records: len(records) >= total, timeout_s=240)),
            "RegisterChange")
        register = decode_all(codec, asyncio.run(read_until(
            provisioned, REGISTER.name(provisioned),
            lambda records: len({r.key for r in records}) >= len(finals), timeout_s=120)), "RegisterRecord")
        time.sleep(3)  # anything applied twice would show up by now
        changes = decode_all(codec, asyncio.run(read_until(
            provisioned, CHANGES.name(provisioned), lambda records: len(records) >= total, timeout_s=60)),
            "RegisterChange")
    finally:
        worker.stop()
    assert sorted((c["record_id"], c["version"]) for c in changes) == sorted(
        (rid, v) for rid, final in finals.items() for v in range(1, final + 1))  # each change applied once
    latest = {}
    for state in register:
        latest[state["record_id"]] = state["version"]
    assert latest == finals, f"{resent} rows were sent twice"


def test_trigger_variant_turns_table_changes_into_events(provisioned, postgres_dsn, codec):
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(outbox_sql())
        conn.execute(outbox_sql("outbox_trigger.sql"))
        conn.execute("""CREATE TABLE wanted_person (record_id text PRIMARY KEY, record_type text NOT NULL,
            version int NOT NULL, unit text, officer text, ground text, occurred_at timestamptz,
            valid_until timestamptz, document jsonb, note text)""")
        conn.execute("CREATE TRIGGER wanted_person_outbox AFTER INSERT OR UPDATE OR DELETE ON wanted_person "
                     "FOR EACH ROW EXECUTE FUNCTION hub_outbox_capture()")
        rid = "KZ-75-WANTED_PERSON-77700001"
        conn.execute("INSERT INTO wanted_person VALUES (%s, 'WANTED_PERSON', 1, 'KZ-75-CP', '750123', "
                     "'WANTED_EVADING_COURT', now(), NULL, %s, 'Іздестіру / Розыск')", (rid, json.dumps(PERSON_JSON)))
        conn.execute("UPDATE wanted_person SET note = 'без изменения версии' WHERE record_id = %s", (rid,))
        conn.execute("UPDATE wanted_person SET version = 2, ground = 'DATA_CLARIFIED', document = %s "
                     "WHERE record_id = %s", (json.dumps({**PERSON_JSON, "special_marks": "жаңа"}), rid))
        with conn.transaction():
            conn.execute("SET LOCAL hub.removal_ground = 'PERSON_DETAINED'")
            conn.execute("SET LOCAL hub.removal_unit = 'KZ-75-CP'")
            conn.execute("SET LOCAL hub.removal_officer = '750124'")
            conn.execute("DELETE FROM wanted_person WHERE record_id = %s", (rid,))
    stats = relay_until_empty(provisioned, postgres_dsn)
    events = events_on_topic(provisioned, codec, "KZ-75")
    assert stats.sent == 3 and stats.refused == 0
    assert [(e["action"], e["version"], e["ground"]) for e in events] == [
        ("ENROL", 1, "WANTED_EVADING_COURT"), ("CORRECT", 2, "DATA_CLARIFIED"), ("REMOVE", 3, "PERSON_DETAINED")]
    assert events[1]["document"]["special_marks"] == "жаңа" and events[2]["officer"] == "750124"


def test_a_row_committed_after_higher_ids_were_read_is_sent_too(provisioned, postgres_dsn, codec):
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(outbox_sql())
    late_row = event_row(500, "ENROL", 1)
    with psycopg.connect(postgres_dsn) as late:  # its transaction takes the lowest id and commits last
        late.execute("INSERT INTO hub_outbox (record_id, event) VALUES (%s, %s)",
                     (late_row["record_id"], json.dumps(late_row)))
        finals = write_history(postgres_dsn, range(10), seed=3)

        async def relay_both() -> int:
            client = await RegionalClient.connect(provisioned, "KZ-75")
            relay = OutboxRelay(postgres_dsn, client, batch_rows=5, poll_interval_s=0.05, sweep_interval_s=3600)
            task = asyncio.create_task(relay.run())
            try:
                await wait_for_sent(relay, sum(finals.values()))
                late.commit()
                await wait_for_sent(relay, sum(finals.values()) + 1)
            finally:
                relay.stop()
                await task
                await client.stop()
            return relay.stats.sent
        assert asyncio.run(relay_both()) == sum(finals.values()) + 1
    events = events_on_topic(provisioned, codec, "KZ-75")
    assert late_row["record_id"] in {e["record_id"] for e in events}


async def wait_for_sent(relay: OutboxRelay, count: int, timeout_s: float = 60.0) -> None:
    """Wait until the relay has sent `count` rows."""
    deadline = time.monotonic() + timeout_s
    while relay.stats.sent < count:
        assert time.monotonic() < deadline, f"sent {relay.stats.sent} of {count}"
        await asyncio.sleep(0.05)


def test_a_relay_whose_whole_process_group_gets_sigterm_mid_stream_stops_cleanly_and_loses_nothing(
        provisioned, postgres_dsn, codec, tmp_path: Path):
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(outbox_sql())
    finals = write_history(postgres_dsn, range(400), seed=5)
    command = [sys.executable, "-m", "hub", "outbox-relay", "--dsn", postgres_dsn, "--region", "KZ-75",
               "--batch-rows", "20"]
    log = tmp_path / "relay.log"
    relay = subprocess.Popen(command, cwd=REPO, env=settings_env(provisioned), stdout=subprocess.DEVNULL,
                             stderr=open(log, "wb"), start_new_session=True)
    deadline = time.monotonic() + 60
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM hub_outbox WHERE sent_at IS NOT NULL").fetchone()[0] < 100:
            assert time.monotonic() < deadline and relay.poll() is None, log.read_text()
            time.sleep(0.02)
    os.killpg(relay.pid, signal.SIGTERM)  # as a service manager stops a unit: every process of the group
    assert relay.wait(timeout=30) == 0, log.read_text()
    assert "Traceback" not in log.read_text()
    relay_until_empty(provisioned, postgres_dsn)
    events = events_on_topic(provisioned, codec, "KZ-75")
    assert len({e["event_id"] for e in events}) == sum(finals.values())
