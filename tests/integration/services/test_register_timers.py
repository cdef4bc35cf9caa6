"""On the real broker: a passport change takes effect live; terms end with a notice, an expiry and a purge."""

from __future__ import annotations

import asyncio
import time
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
from hub.refdata.load import starter_passports
from hub.services.refdata import load_reference_data, publish_passports
from hub.settings import HubSettings
from tests.integration.helpers import Worker, read_until
from tests.samples import EVENT


def _passport(settings: HubSettings, code: str, **changes) -> dict:
    found = next(p for p in starter_passports(settings.refdata_dir) if p["code"] == code)
    return {**found, "version": found["version"] + 1, **changes}


def test_live_passport_change_then_term_notice_expiry_and_purge(hub_settings: HubSettings, codec: AvroCodec,
                                                                tmp_path: Path) -> None:
    settings = hub_settings.model_copy(update={"sweep_interval_s": 1.0})
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    topic = regional_events_topic("KZ-75").name(settings)
    worker = Worker(settings, tmp_path / "worker.log")
    try:
        # While the hub runs: removed supervision records are purged at once; wanted persons are closed.
        asyncio.run(publish_passports(settings, codec, [
            _passport(settings, "SUPERVISED_PERSON", retention_removed_days=0),
            _passport(settings, "WANTED_PERSON", active=False)]))
        probes = 0

        def refused_as_inactive(records) -> bool:
            nonlocal probes
            if any(codec.decode(r.value).value["reason_code"] == "INACTIVE_TYPE" for r in records):
                return True
            probes += 1
            probe = {**EVENT, "event_id": f"probe-{probes}", "record_id": f"KZ-75-WANTED_PERSON-9{probes:07d}"}
            asyncio.get_event_loop().create_task(
                publish(settings, topic, [(probe["record_id"], codec.encode("RecordEvent", probe))]))
            return False

        asyncio.run(read_until(settings, REJECTED.name(settings), refused_as_inactive, timeout_s=90))

        now_ms = int(time.time() * 1000)
        record = {**EVENT, "event_id": "sup-1", "record_id": "KZ-75-SUPERVISED_PERSON-00000001",
                  "record_type": "SUPERVISED_PERSON", "unit": "KZ-75-AP", "ground": "COURT_SUPERVISION_ORDER",
                  "occurred_at": now_ms, "valid_until": now_ms + 6_000}
        asyncio.run(publish(settings, topic, [(record["record_id"], codec.encode("RecordEvent", record))]))
        key = record["record_id"].encode()

        def purged(records) -> bool:
            mine = [r for r in records if r.key == key]
            return bool(mine) and mine[-1].value is None

        register = asyncio.run(read_until(settings, REGISTER.name(settings), purged, timeout_s=60))
        changes = asyncio.run(read_until(settings, CHANGES.name(settings), lambda rs: len(rs) >= 3))
        notices = asyncio.run(read_until(settings, NOTIFICATIONS.name(settings, "KZ-75"),
                                         lambda rs: sum(r.key == b"KZ-75-AP" for r in rs) >= 2))
    finally:
        worker.stop()
    states = [codec.decode(r.value).value if r.value else None for r in register if r.key == key]
    assert [s and (s["status"], s["version"]) for s in states] == [("LIVE", 1), ("LIVE", 1), ("REMOVED", 2), None]
    assert states[1]["term_notice_sent_at"] is not None
    kinds = [codec.decode(r.value).value["kind"] for r in changes if r.key == key]
    assert kinds == ["ENROLLED", "EXPIRED", "PURGED"]
    told = [codec.decode(r.value).value for r in notices if r.key == b"KZ-75-AP"]
    assert [n["kind"] for n in told] == ["TERM_ENDING", "TERM_ENDED"]
    assert all(n["text_kk"] and n["text_ru"] for n in told)
