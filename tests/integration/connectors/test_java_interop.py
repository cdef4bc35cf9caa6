"""A Java regional system (connectors/java: Apache Avro's BinaryMessageEncoder and the Kafka Java client, with
the repository's schemas) publishes single events, a batch and transactions over TLS + SCRAM with its region's
properties file; the hub applies what was committed and nothing aborted, answers its check, and Java decodes
the register, the result and the notifications the hub wrote."""

from __future__ import annotations

import asyncio
import io
import json
import random
import subprocess
import time
import uuid
from pathlib import Path

from fastavro import json_writer

from hub.domain.simulate import random_iin
from hub.kafka.access import issue_credential, sync_acls
from hub.kafka.acl_plan import access_plan
from hub.kafka.admin import provision
from hub.kafka.partitioning import partition_for
from hub.kafka.reader import read_to_end
from hub.kafka.topics import CHECK_REQUESTS, CHECK_RESULTS, EVENTS, NOTIFICATIONS, REGISTER, all_topics
from hub.services.refdata import load_reference_data
from tests.integration.helpers import REPO, Worker
from tests.samples import CHECK_REQUEST, EVENT, PERSON

JAVA = REPO / "connectors" / "java"


def classpath() -> str:
    """Return the Java client's classpath, building it first when ./deploy/test has not."""
    jar = JAVA / "target" / "hub-interop-0.1.0.jar"
    if not jar.exists():
        subprocess.run(["mvn", "-q", "-B", "-f", str(JAVA / "pom.xml"), "package"], check=True, timeout=600)
    return f"{jar}:{JAVA / 'target' / 'lib'}/*"


def java(*args: str, timeout_s: float = 180) -> list[dict]:
    done = subprocess.run(["java", "-cp", classpath(), "kz.mvd.records.interop.HubInterop", *args],
                          capture_output=True, text=True, timeout=timeout_s)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def avro_json(codec, schema: str, value: dict) -> dict:
    """Return a value in Avro's JSON encoding (unions tagged by branch), as Java's JsonDecoder reads it."""
    buffer = io.StringIO()
    version = codec.registry.schema(schema)
    json_writer(buffer, version.fast or version.parsed, [value])
    return json.loads(buffer.getvalue())


def enrolment(n: int, rng: random.Random) -> dict:
    born = 5000 + 37 * n
    return {**EVENT, "event_id": str(uuid.UUID(int=rng.getrandbits(128))), "record_id": f"KZ-75-WANTED_PERSON-5{n:07d}",
            "occurred_at": int(time.time() * 1000), "source_sequence": n,
            "document": {**PERSON, "iin": random_iin(rng, born, False), "birth_date": born,
                         "surname": f"Джаваев{'абвгдежзик'[n % 10]}", "identity_documents": []}}


def write_lines(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_java_system_publishes_and_reads_with_the_repositorys_schemas(hub_settings, codec, kafka_admin_properties,
                                                                      tmp_path: Path):
    admin = hub_settings.model_copy(update={"credentials_dir": tmp_path / "credentials"})
    asyncio.run(provision(admin, all_topics()))
    asyncio.run(load_reference_data(admin, admin.refdata_dir))
    asyncio.run(sync_acls(admin, access_plan(admin)))
    region = asyncio.run(issue_credential(admin, "region-kz-75"))  # a plain Kafka client properties file
    schemas, events_topic = str(REPO / "schemas" / "avro"), EVENTS.name(admin, "KZ-75")
    rng = random.Random(577)
    single, batched, committed, aborted = [enrolment(0, rng), enrolment(1, rng)], \
        [enrolment(2, rng), enrolment(3, rng)], enrolment(4, rng), enrolment(5, rng)
    line = lambda schema, key, value, **more: {"topic": events_topic, "schema": schema, "key": key,  # noqa: E731
                                               "value": avro_json(codec, schema, value), **more}
    plain = [line("RecordEvent", e["record_id"], e) for e in single]
    plain.append(line("RecordEventBatch", batched[0]["record_id"], {"batch_id": "java-batch-1", "region": "KZ-75",
                                                                     "events": batched}))
    in_transactions = [line("RecordEvent", committed["record_id"], committed, transaction=1),
                       line("RecordEvent", aborted["record_id"], aborted, transaction=2, abort=True)]
    workers = [Worker(admin.model_copy(update={"data_dir": tmp_path / f"data-{s}"}), tmp_path / f"{s}.log", service=s)
               for s in ("aggregator", "matcher")]
    try:
        java("publish", str(region), schemas, str(write_lines(tmp_path / "plain.jsonl", plain)))
        java("publish", str(region), schemas, str(write_lines(tmp_path / "tx.jsonl", in_transactions)),
             f"{admin.app_id}-kz-75-java-outbox")  # the region's own transactional id prefix
        wanted = {e["record_id"] for e in single + batched + [committed]}
        # After the aborted transaction, on its partition, an event whose application shows the aborted one passed.
        sentinel = next(e for e in (enrolment(n, rng) for n in range(6, 10)) if partition_for(
            e["record_id"].encode(), admin.partitions) == partition_for(aborted["record_id"].encode(), admin.partitions))
        java("publish", str(region), schemas, str(write_lines(tmp_path / "after.jsonl", [
            line("RecordEvent", sentinel["record_id"], sentinel)])))
        wanted.add(sentinel["record_id"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            on_register = {r.key.decode() for r in asyncio.run(read_to_end(admin, REGISTER.name(admin)))}
            if wanted <= on_register:
                break
            time.sleep(1)
        logs = (tmp_path / "aggregator.log").read_text()[-3000:]
        assert wanted <= on_register, logs  # every committed Java event applied
        assert aborted["record_id"] not in on_register  # the aborted transaction's event never

        request = {**CHECK_REQUEST, "check_id": "chk-java-1", "requester_unit": "KZ-75-CP",
                   "requested_at": int(time.time() * 1000),
                   "subject": {**CHECK_REQUEST["subject"], "iin": single[0]["document"]["iin"]}}
        java("publish", str(region), schemas, str(write_lines(tmp_path / "check.jsonl", [{
            "topic": CHECK_REQUESTS.name(admin, "KZ-75"), "schema": "CheckRequest", "key": request["check_id"],
            "value": avro_json(codec, "CheckRequest", request)}])))
        [result] = java("read", str(region), schemas, CHECK_RESULTS.name(admin, "KZ-75"), "CheckResult", "1", "90")
        register = java("read", str(kafka_admin_properties), schemas, REGISTER.name(admin), "RegisterRecord",
                        str(len(wanted)), "60")
        notices = java("read", str(region), schemas, NOTIFICATIONS.name(admin, "KZ-75"), "Notification", "2", "60")
    finally:
        for worker in workers:
            worker.stop()
    assert result["value"]["check_id"] == "chk-java-1" and result["value"]["outcome"] == "HIT", result
    assert [h["record_id"] for h in result["value"]["hits"]] == [single[0]["record_id"]]
    by_id = {r["key"]: r["value"] for r in register}
    assert set(by_id) == wanted and {v["status"] for v in by_id.values()} == {"LIVE"}
    assert by_id[batched[1]["record_id"]]["document"]["surname"] == batched[1]["document"]["surname"]  # Cyrillic
    assert {n["value"]["kind"] for n in notices} == {"WRITTEN_ANSWER", "RECORD_CHECKED"}, notices  # a written request
