"""On the real broker: a chunked manifest is compared once the hub caught up; `hub reconcile` shows it.

The aggregator and the reconciler run as two processes (`hub run --service ...`), as they would scale.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from hub.codec import AvroCodec
from hub.kafka.admin import provision
from hub.kafka.producer import publish
from hub.kafka.topics import (
    EVENTS,
    MANIFESTS,
    NOTIFICATIONS,
    REJECTED,
    REPORTS,
    all_topics,
)
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings
from tests.integration.helpers import REPO, Worker, read_until, settings_env
from tests.samples import EVENT, MANIFEST


def test_manifest_differences_are_reported_and_notified(hub_settings: HubSettings, codec: AvroCodec,
                                                        tmp_path: Path) -> None:
    settings = hub_settings
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    ids = [f"KZ-75-WANTED_PERSON-{i:08d}" for i in range(10)]
    events = [{**EVENT, "event_id": f"e-{i}", "record_id": rid} for i, rid in enumerate(ids)]
    events.append({**events[9], "event_id": "e-r", "action": "REMOVE", "version": 2, "ground": "PERSON_DETAINED",
                   "document": None})
    events.append({**events[8], "event_id": "e-c", "action": "CORRECT", "version": 2, "ground": "DATA_CLARIFIED"})
    # The region lists 0-6 and 8 at version 1 (the hub has 8 at version 2), omits 7, and lists one the hub lacks.
    entries = [(rid, 1) for rid in ids[:7]] + [(ids[8], 1), ("KZ-75-WANTED_PERSON-00000077", 1)]
    chunks = [{**MANIFEST, "manifest_id": "m-75-wp-1", "chunk_index": i, "chunk_count": 2,
               "entries": [{"record_id": r, "version": v} for r, v in part]}
              for i, part in enumerate((entries[:5], entries[5:]))]
    worker = Worker(settings, tmp_path / "worker.log", service="aggregator")
    reconciler = Worker(settings.model_copy(update={"metrics_port": 0}), tmp_path / "reconciler.log",
                        service="reconciler")
    try:
        # The manifest goes out right behind the events: the reconciler must wait for the aggregator.
        asyncio.run(publish(settings, EVENTS.name(settings, "KZ-75"),
                            [(e["record_id"], codec.encode("RecordEvent", e)) for e in events]))
        foreign = {**chunks[0], "manifest_id": "m-71-wp-1", "region": "KZ-71", "unit": "KZ-71-CP", "chunk_count": 1}
        asyncio.run(publish(settings, MANIFESTS.name(settings, "KZ-75"),
                            [("KZ-75/WANTED_PERSON", codec.encode("ReconciliationManifest", c)) for c in chunks]
                            + [("KZ-75/WANTED_PERSON", b"not a manifest"),
                               ("KZ-71/WANTED_PERSON", codec.encode("ReconciliationManifest", foreign))]))
        reports = asyncio.run(read_until(settings, REPORTS.name(settings), lambda rs: len(rs) >= 1, 120))
        notices = asyncio.run(read_until(settings, NOTIFICATIONS.name(settings, "KZ-75"), lambda rs: any(
            codec.decode(r.value).value["kind"] == "RECONCILIATION_REPORT" for r in rs), 30))
        rejected = asyncio.run(read_until(settings, REJECTED.name(settings), lambda rs: len(rs) >= 2, 30))
    finally:
        worker.stop()
        reconciler.stop()
    report = codec.decode(reports[0].value).value
    found = sorted((d["kind"], d["record_id"]) for d in report["differences"])
    assert found == [("EXTRA_IN_CENTRAL", ids[7]), ("MISSING_IN_CENTRAL", "KZ-75-WANTED_PERSON-00000077"),
                     ("VERSION_DIFFERS", ids[8])], (tmp_path / "worker.log").read_text()[-3000:]
    assert (report["regional_count"], report["central_count"]) == (9, 9)
    notice = next(codec.decode(r.value).value for r in notices
                  if codec.decode(r.value).value["kind"] == "RECONCILIATION_REPORT")
    assert notice["recipient_unit"] == "KZ-75-CP" and "лишние: 1" in notice["text_ru"]
    refused = [codec.decode(r.value).value for r in rejected]
    assert {r["source_topic"] for r in refused} == {MANIFESTS.name(settings, "KZ-75")}
    # A region's manifest on another region's topic is refused: the topic, not the message, says who sent it.
    assert sorted(r["reason_code"] for r in refused) == ["REGION_MISMATCH", "UNDECODABLE"]
    assert report["region"] == "KZ-75" and len(reports) == 1

    shown = subprocess.run([sys.executable, "-m", "hub", "reconcile", "--region", "kz-75", "--json"], cwd=REPO,
                           env=settings_env(settings), capture_output=True, text=True, timeout=60, check=True)
    [line] = shown.stdout.splitlines()
    assert json.loads(line)["report_id"] == report["report_id"]
    table = subprocess.run([sys.executable, "-m", "hub", "reconcile", "--differences"], cwd=REPO,
                           env=settings_env(settings), capture_output=True, text=True, timeout=60, check=True)
    assert "m-75-wp-1" in table.stdout and "VERSION_DIFFERS" in table.stdout


def committed_offsets(settings: HubSettings, group: str, topic: str) -> dict[int, int]:
    """Return the group's committed offset of each partition of a topic (those committed)."""
    from aiokafka import TopicPartition

    from hub.kafka.admin import admin_client

    async def read() -> dict[int, int]:
        admin = admin_client(settings)
        await admin.start()
        try:
            partitions = [TopicPartition(topic, p) for p in range(settings.partitions)]
            found = await admin.list_consumer_group_offsets(group, partitions=partitions)
            return {tp.partition: meta.offset for tp, meta in found.items() if meta.offset >= 0}
        finally:
            await admin.close()
    return asyncio.run(read())


def test_an_incomplete_manifest_holds_no_other_region_and_is_given_up(hub_settings: HubSettings, codec: AvroCodec,
                                                                       tmp_path: Path) -> None:
    settings = hub_settings.model_copy(update={"reconcile_manifest_timeout_s": 8.0, "metrics_port": 0})
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    half = {**MANIFEST, "manifest_id": "m-75-half", "chunk_index": 0, "chunk_count": 2}  # chunk 1 never comes
    whole = {**MANIFEST, "manifest_id": "m-71-whole", "region": "KZ-71", "unit": "KZ-71-CP", "entries": []}
    asyncio.run(publish(settings, MANIFESTS.name(settings, "KZ-75"),
                        [("KZ-75/WANTED_PERSON", codec.encode("ReconciliationManifest", half))]))
    asyncio.run(publish(settings, MANIFESTS.name(settings, "KZ-71"),
                        [("KZ-71/WANTED_PERSON", codec.encode("ReconciliationManifest", whole))]))
    reconciler = Worker(settings, tmp_path / "reconciler.log", service="reconciler")
    group = f"{settings.app_id}-reconciler"
    try:
        reports = asyncio.run(read_until(settings, REPORTS.name(settings), lambda rs: len(rs) >= 1, 120))
        assert codec.decode(reports[0].value).value["manifest_id"] == "m-71-whole"
        held = asyncio.run(read_until(settings, MANIFESTS.name(settings, "KZ-71"), lambda rs: len(rs) >= 1, 10))
        deadline = time.monotonic() + 30  # KZ-71's chunk is committed while KZ-75's manifest is still in hand
        while committed_offsets(settings, group, MANIFESTS.name(settings, "KZ-71")) != {
                held[0].partition: held[0].offset + 1} and time.monotonic() < deadline:
            time.sleep(0.5)
        assert committed_offsets(settings, group, MANIFESTS.name(settings, "KZ-71")) == {
            held[0].partition: held[0].offset + 1}, (tmp_path / "reconciler.log").read_text()[-3000:]
        notices = asyncio.run(read_until(settings, NOTIFICATIONS.name(settings, "KZ-75"), lambda rs: any(
            codec.decode(r.value).value["attributes"].get("status") == "INCOMPLETE" for r in rs), 60))
        deadline = time.monotonic() + 30
        while not committed_offsets(settings, group, MANIFESTS.name(settings, "KZ-75")) and time.monotonic() < deadline:
            time.sleep(0.5)
        given_up = committed_offsets(settings, group, MANIFESTS.name(settings, "KZ-75"))
    finally:
        reconciler.stop()
    notice = next(codec.decode(r.value).value for r in notices
                  if codec.decode(r.value).value["attributes"].get("status") == "INCOMPLETE")
    assert notice["recipient_unit"] == "KZ-75-CP" and "1 of the 2 chunks" in notice["text_en"]
    assert notice["text_kk"] and notice["text_ru"]
    assert sum(given_up.values()) == 1  # the given-up chunk is committed past: a restart does not take it again
