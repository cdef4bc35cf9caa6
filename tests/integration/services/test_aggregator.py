"""The aggregator on the real broker: applies valid events once, refuses the rest with reasons."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub.codec import AvroCodec
from hub.kafka.admin import provision
from hub.kafka.producer import publish
from hub.kafka.topics import (
    CHANGES,
    NOTIFICATIONS,
    REGISTER,
    REJECTED,
    all_topics,
    regional_events_topic,
)
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings
from tests.integration.helpers import Worker, decode_all, read_topic
from tests.samples import EVENT


def _events() -> list[tuple[str, dict | bytes]]:
    """Return (region topic code, event or raw bytes) in the order they are sent."""
    base = [{**EVENT, "event_id": f"ev-{i}", "record_id": f"KZ-75-WANTED_PERSON-{i:08d}"} for i in range(20)]
    correct = {**base[0], "event_id": "ev-c", "action": "CORRECT", "version": 2, "ground": "DATA_CLARIFIED"}
    remove = {**base[1], "event_id": "ev-r", "action": "REMOVE", "version": 2, "ground": "PERSON_DETAINED",
              "document": None}
    bad_ground = {**base[2], "event_id": "ev-bad", "record_id": "KZ-75-WANTED_PERSON-99999999",
                  "ground": "THING_FOUND"}
    foreign = {**base[3], "event_id": "ev-foreign", "record_id": "KZ-71-WANTED_PERSON-1", "region": "KZ-71"}
    gap = {**base[4], "event_id": "ev-gap", "action": "CORRECT", "version": 5, "ground": "DATA_CLARIFIED"}
    return ([("KZ-75", e) for e in base] + [("KZ-75", e) for e in (correct, remove)]
            + [("KZ-75", base[5]), ("KZ-75", correct)]  # replays: duplicates
            + [("KZ-75", bad_ground), ("KZ-75", foreign), ("KZ-75", gap), ("KZ-75", b"\x00garbage\xff")])


def test_aggregator_applies_valid_events_once_and_rejects_the_rest(hub_settings: HubSettings, codec: AvroCodec,
                                                                  tmp_path: Path) -> None:
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    topic = regional_events_topic("KZ-75").name(hub_settings)
    messages = []
    for _, item in _events():
        key = item["record_id"] if isinstance(item, dict) else "garbage"
        messages.append((key, codec.encode("RecordEvent", item) if isinstance(item, dict) else item))
    asyncio.run(publish(hub_settings, topic, messages))
    worker = Worker(hub_settings, tmp_path / "worker.log")
    try:
        register = decode_all(codec, asyncio.run(read_topic(hub_settings, REGISTER.name(hub_settings), 22, 120)),
                              "RegisterRecord")
        rejected = decode_all(codec, asyncio.run(read_topic(hub_settings, REJECTED.name(hub_settings), 4)),
                              "Rejection")
        changes = decode_all(codec, asyncio.run(read_topic(hub_settings, CHANGES.name(hub_settings), 22)),
                             "RegisterChange")
        notices = decode_all(codec, asyncio.run(read_topic(hub_settings, NOTIFICATIONS.name(hub_settings, "KZ-75"), 3)),
                             "Notification")
    finally:
        worker.stop()
    log = (tmp_path / "worker.log").read_text()
    assert len(register) == 22, log[-3000:]  # 20 enrolments, a correction and a removal; replays add nothing
    latest = {}
    for state in register:
        latest[state["record_id"]] = state
    assert len(latest) == 20
    assert latest["KZ-75-WANTED_PERSON-00000000"]["version"] == 2
    assert latest["KZ-75-WANTED_PERSON-00000001"]["status"] == "REMOVED"
    assert len(changes) == 22 and len({c["change_id"] for c in changes}) == 22
    reasons = sorted(r["reason_code"] for r in rejected)
    assert reasons == ["INVALID_GROUND", "REGION_MISMATCH", "UNDECODABLE", "VERSION_GAP"]
    garbage = next(r for r in rejected if r["reason_code"] == "UNDECODABLE")
    assert garbage["original"] == b"\x00garbage\xff" and garbage["reason_ru"] and garbage["reason_kk"]
    assert {n["recipient_unit"] for n in notices} == {"KZ-75-CP"} and len(notices) == 3


def test_a_worker_without_local_state_loads_the_register_before_recovery(hub_settings: HubSettings,
                                                                          codec: AvroCodec, tmp_path: Path) -> None:
    """A new worker (another data folder) bulk-loads the register's changelog, then applies a correction of a
    loaded record as its next version and a replayed enrolment as a duplicate: the loaded state is the state."""
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    topic = regional_events_topic("KZ-75").name(hub_settings)
    base = [{**EVENT, "event_id": f"ev-{i}", "record_id": f"KZ-75-WANTED_PERSON-{i:08d}"} for i in range(20)]
    asyncio.run(publish(hub_settings, topic, [(e["record_id"], codec.encode("RecordEvent", e)) for e in base]))
    first = Worker(hub_settings, tmp_path / "first.log")
    try:
        asyncio.run(read_topic(hub_settings, REGISTER.name(hub_settings), 20, 120))
    finally:
        first.stop()
    fresh = hub_settings.model_copy(update={"data_dir": tmp_path / "another-machine"})
    correct = {**base[0], "event_id": "ev-c", "action": "CORRECT", "version": 2, "ground": "DATA_CLARIFIED"}
    asyncio.run(publish(hub_settings, topic, [(e["record_id"], codec.encode("RecordEvent", e))
                                              for e in (correct, base[1])]))
    second = Worker(fresh, tmp_path / "second.log")
    try:
        register = decode_all(codec, asyncio.run(read_topic(hub_settings, REGISTER.name(hub_settings), 21, 120)),
                              "RegisterRecord")
    finally:
        second.stop()
    log = (tmp_path / "second.log").read_text()
    assert "loaded 20 changelog records" in log, log[-3000:]
    versions: dict[str, list[int]] = {}
    for state in register:
        versions.setdefault(state["record_id"], []).append(state["version"])
    assert len(register) == 21 and versions["KZ-75-WANTED_PERSON-00000000"] == [1, 2]
    assert versions["KZ-75-WANTED_PERSON-00000001"] == [1]  # the replayed enrolment: a duplicate
    rejected = decode_all(codec, asyncio.run(read_topic(hub_settings, REJECTED.name(hub_settings), 0, 5)),
                          "Rejection")
    assert rejected == []
