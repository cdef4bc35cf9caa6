"""Security on the real secured broker: TLS + SCRAM, ACLs from the access plan, identity from the channel.

How we know the hub's state is unchanged by a refused client: after the refusals, the operator reads the
topics the client tried to write and finds nothing there.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
)

from hub.kafka import _protocol
from hub.kafka.access import issue_credential, sync_acls
from hub.kafka.acl_plan import access_plan
from hub.kafka.admin import admin_client, provision
from hub.kafka.connection import client_options, connection_of
from hub.kafka.producer import publish
from hub.kafka.reader import read_to_end
from hub.kafka.topics import (
    CHECK_AUDIT,
    CHECK_REQUESTS,
    CHECK_RESULTS,
    EVENTS,
    NOTIFICATIONS,
    REGISTER,
    REGROUPED,
    REJECTED,
    all_topics,
    regroup_group,
)
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings
from tests.integration.helpers import REPO, Worker, settings_env
from tests.samples import CHECK_REQUEST, EVENT, IIN, PERSON, REGISTER_RECORD

PRINCIPALS = ("region-kz-75", "region-kz-71", "hub-aggregator", "hub-matcher", "hub-reconciler")


@pytest.fixture
def secured(hub_settings: HubSettings, tmp_path: Path) -> dict[str, HubSettings]:
    """Provision the test's topics and access plan; return the settings of each principal, by name."""
    admin = hub_settings.model_copy(update={"credentials_dir": tmp_path / "credentials"})
    asyncio.run(provision(admin, all_topics()))
    asyncio.run(load_reference_data(admin, admin.refdata_dir))
    asyncio.run(sync_acls(admin, access_plan(admin)))
    as_user = {"admin": admin}
    for user in PRINCIPALS:
        path = asyncio.run(issue_credential(admin, user))
        assert path.stat().st_mode & 0o777 == 0o600
        as_user[user] = admin.model_copy(update={"kafka_client_properties": path})
    return as_user


async def _try_write(settings: HubSettings, topic: str) -> str:
    producer = AIOKafkaProducer(**client_options(settings), request_timeout_ms=10_000)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"forged", key=b"KZ-71-WANTED_PERSON-00000001")
        return "written"
    except TopicAuthorizationFailedError:
        return "refused"
    finally:
        await producer.stop()


async def _try_read(settings: HubSettings, topic: str, group: str | None = None) -> str:
    consumer = AIOKafkaConsumer(topic, **client_options(settings), group_id=group, auto_offset_reset="earliest")
    try:
        await consumer.start()
        await consumer.getmany(timeout_ms=3000)
        return "read"
    except TopicAuthorizationFailedError:
        return "refused"
    except GroupAuthorizationFailedError:
        return "group refused"
    finally:
        await consumer.stop()


def test_a_regional_credential_writes_and_reads_only_its_own_regions_topics(secured):
    kz75, admin = secured["region-kz-75"], secured["admin"]
    assert asyncio.run(_try_write(kz75, EVENTS.name(kz75, "KZ-75"))) == "written"
    assert asyncio.run(_try_write(kz75, EVENTS.name(kz75, "KZ-71"))) == "refused"
    assert asyncio.run(_try_write(kz75, CHECK_REQUESTS.name(kz75, "KZ-71"))) == "refused"
    assert asyncio.run(_try_write(kz75, REGISTER.name(kz75))) == "refused"
    assert asyncio.run(_try_write(kz75, REGROUPED.name(kz75))) == "refused"  # a forged run would name KZ-71's topic
    for topic in (REGISTER.name(kz75), REGROUPED.name(kz75), CHECK_AUDIT.name(kz75), CHECK_RESULTS.name(kz75, "KZ-71"),
                  NOTIFICATIONS.name(kz75, "KZ-71"), EVENTS.name(kz75, "KZ-71")):
        assert asyncio.run(_try_read(kz75, topic)) == "refused", topic
    assert asyncio.run(_try_read(kz75, NOTIFICATIONS.name(kz75, "KZ-75"))) == "read"
    assert asyncio.run(_try_read(kz75, EVENTS.name(kz75, "KZ-75"), group=kz75.app_id)) == "group refused"
    assert asyncio.run(_try_read(kz75, EVENTS.name(kz75, "KZ-75"), group=regroup_group(kz75))) == "group refused"
    assert asyncio.run(_try_read(kz75, NOTIFICATIONS.name(kz75, "KZ-75"),
                                 group=f"{kz75.app_id}-kz-75-inbox")) == "read"  # its own group prefix
    # Nothing of the refused writes reached the hub: only the one event it may write is there.
    assert asyncio.run(read_to_end(admin, EVENTS.name(admin, "KZ-71"))) == []
    assert asyncio.run(read_to_end(admin, REGISTER.name(admin))) == []
    assert asyncio.run(read_to_end(admin, REGROUPED.name(admin))) == []
    assert len(asyncio.run(read_to_end(admin, EVENTS.name(admin, "KZ-75")))) == 1


def test_a_wrong_password_and_a_plaintext_connection_are_refused(secured, tmp_path: Path):
    kz75 = secured["region-kz-75"]
    good = kz75.kafka_client_properties.read_text()
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(re.sub(r'password="[^"]*"', 'password="not-the-password"', good))
    with pytest.raises((SaslAuthenticationFailed, KafkaConnectionError)):
        asyncio.run(_try_write(kz75.model_copy(update={"kafka_client_properties": wrong}), EVENTS.name(kz75, "KZ-75")))
    plain = HubSettings(kafka_bootstrap_servers=connection_of(kz75).bootstrap_servers,
                        kafka_security_protocol="PLAINTEXT")
    with pytest.raises(KafkaError):
        asyncio.run(_try_write(plain, EVENTS.name(kz75, "KZ-75")))


def _hub_access_sync(settings: HubSettings) -> dict:
    done = subprocess.run([sys.executable, "-m", "hub", "access", "sync", "--json"], cwd=REPO,
                          env=settings_env(settings), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_access_sync_puts_back_a_drifted_acl_and_removes_an_unwanted_one(secured):
    admin = secured["admin"]
    register = REGISTER.name(admin)
    unwanted = ("TOPIC", register, "LITERAL", "User:region-kz-75", "*", "READ", "ALLOW")
    wanted = ("TOPIC", EVENTS.name(admin, "KZ-75"), "LITERAL", "User:region-kz-75", "*", "WRITE", "ALLOW")

    async def drift() -> None:
        client = admin_client(admin)
        await client.start()
        try:
            await _protocol.send(client, _protocol.CreateAcls([unwanted]))
            await _protocol.send(client, _protocol.DeleteAcls([wanted]))
        finally:
            await client.close()
    asyncio.run(drift())
    time.sleep(1)  # ACL changes reach the authorizer through the metadata log
    assert asyncio.run(_try_read(secured["region-kz-75"], register)) == "read"  # the drift opened the register
    report = _hub_access_sync(admin)
    assert report["created"] == [f"User:region-kz-75 ALLOW WRITE TOPIC {EVENTS.name(admin, 'KZ-75')}"]
    assert report["deleted"] == [f"User:region-kz-75 ALLOW READ TOPIC {register}"]
    again = _hub_access_sync(admin)
    assert again["created"] == [] and again["deleted"] == [] and again["kept"] == report["kept"] + 1
    time.sleep(1)
    assert asyncio.run(_try_read(secured["region-kz-75"], register)) == "refused"


def _request(unit: str, clearance: str) -> dict:
    return {**CHECK_REQUEST, "check_id": f"chk-{uuid.uuid4().hex[:12]}", "requester_unit": unit,
            "clearance": clearance, "requested_at": int(time.time() * 1000),
            "subject": {**CHECK_REQUEST["subject"], "iin": IIN}}


def _read_until(settings: HubSettings, topic: str, count: int, timeout_s: float = 90.0) -> list:
    deadline = time.monotonic() + timeout_s
    while True:
        records = asyncio.run(read_to_end(settings, topic))
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.5)


def test_services_run_as_their_own_principals_and_take_identity_from_the_channel(secured, codec, tmp_path: Path,
                                                                                   kafka_cluster):
    admin, kz75 = secured["admin"], secured["region-kz-75"]
    secret = {**REGISTER_RECORD, "record_id": "KZ-75-CONVICTED_PERSON-00000009", "record_type": "CONVICTED_PERSON",
              "confidentiality": "SECRET", "enrolled_at": int(time.time() * 1000), "document": PERSON}
    asyncio.run(publish(admin, REGISTER.name(admin), [(secret["record_id"], codec.encode("RegisterRecord", secret))]))
    workers = [Worker(secured[f"hub-{name}"].model_copy(update={"metrics_port": 0}), tmp_path / f"{name}.log",
                      service=name) for name in ("aggregator", "matcher", "reconciler")]
    try:
        event = {**EVENT, "occurred_at": int(time.time() * 1000)}
        asyncio.run(publish(kz75, EVENTS.name(kz75, "KZ-75"), [(event["record_id"],
                                                                 codec.encode("RecordEvent", event))]))
        asked = [_request("KZ-75-AP", "TOP_SECRET"), _request("KZ-71-CP", "SECRET"), _request("KZ-75-XX", "OPEN")]
        asyncio.run(publish(kz75, CHECK_REQUESTS.name(kz75, "KZ-75"),
                            [(r["check_id"], codec.encode("CheckRequest", r)) for r in asked]))
        results = _read_until(kz75, CHECK_RESULTS.name(kz75, "KZ-75"), 3)
        register = _read_until(admin, REGISTER.name(admin), 2)
        audit = _read_until(admin, CHECK_AUDIT.name(admin), 3)
    finally:
        for worker in workers:
            worker.stop()
    logs = "".join((tmp_path / f"{n}.log").read_text() for n in ("aggregator", "matcher", "reconciler"))
    refused = [codec.decode(r.value).value for r in asyncio.run(read_to_end(admin, REJECTED.name(admin)))]
    assert {r.key for r in register} == {secret["record_id"].encode(), event["record_id"].encode()}, (
        [(r["reason_code"], r["reason_en"]) for r in refused], logs[-3000:])
    by_id = {codec.decode(r.value).value["check_id"]: codec.decode(r.value).value for r in results}
    taken, foreign, unknown = (by_id[r["check_id"]] for r in asked)
    # TOP_SECRET asked by an OFFICIAL_USE unit: the SECRET record is shown only as restricted.
    restricted = [h for h in taken["hits"] if h["confidentiality"] == "SECRET"]
    assert restricted and all(h["disclosure"] == "RESTRICTED" and h["document"] is None for h in restricted)
    assert taken["refusal"] is None
    assert foreign["refusal"]["reason"] == "REGION_MISMATCH" and foreign["hits"] == []
    assert "KZ-71" in foreign["refusal"]["text_en"] and foreign["refusal"]["text_kk"] and foreign["refusal"]["text_ru"]
    assert unknown["refusal"]["reason"] == "UNKNOWN_UNIT" and unknown["hits"] == []
    audited = {codec.decode(r.value).value["check_id"]: codec.decode(r.value).value for r in audit}
    assert audited[taken["check_id"]]["clearance_applied"] == "OFFICIAL_USE"
    assert audited[taken["check_id"]]["clearance"] == "TOP_SECRET"
    assert {a["source_topic"] for a in audited.values()} == {CHECK_REQUESTS.name(admin, "KZ-75")}
    assert audited[foreign["check_id"]]["refusal_reason"] == "REGION_MISMATCH"
    assert audited[unknown["check_id"]]["refusal_reason"] == "UNKNOWN_UNIT"
    _assert_no_secret_in_logs(secured, [tmp_path, *_broker_log_dirs(kafka_cluster)])


def _broker_log_dirs(cluster) -> list[Path]:
    return [] if cluster is None else [Path(node.directory) / "logs" for node in cluster.nodes]


def _assert_no_secret_in_logs(secured: dict[str, HubSettings], folders: list[Path]) -> None:
    """Grep every log of the run (the services', the broker's) for every password the run made or used."""
    secrets = [connection_of(settings).password for settings in secured.values()]
    assert len(set(secrets)) == len(secured) and all(len(s) >= 32 for s in secrets)
    logs = [p for folder in folders for p in folder.rglob("*.log*") if p.is_file()]
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"a password appears in {path}"
