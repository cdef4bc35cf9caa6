"""Crash test on the real broker: 100,000+ events (40,000+ one per message) while the aggregator is SIGKILLed again and again.

How we know nothing was lost or applied twice: a plain model (the domain's checks and
transitions applied in each partition's offset order, read back from the broker) predicts the
register, every change and every refusal. At the end the register topic's latest value per
record equals the model's state, the change log holds exactly the model's change ids (replays
repeat an id, so dropping repeats by id must leave each record's versions 1..n once), and the
rejected topic holds exactly the model's refusals, each identified by where it was read.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.domain.register import apply_event
from hub.domain.simulate import interleave, simulators
from hub.domain.validation import check_event
from hub.errors import CodecError
from hub.kafka.admin import partitions_of, provision
from hub.kafka.connection import make_consumer
from hub.kafka.partitioning import group_by_partition
from hub.kafka.producer import publish_placed
from hub.kafka.topics import (
    CHANGES,
    REGISTER,
    REJECTED,
    all_topics,
    regional_events_topic,
)
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings
from tests.integration.helpers import Worker, read_topic

SEED = 577
REGIONS = ("KZ-75", "KZ-71", "KZ-11", "KZ-79")
EVENTS = {"batches": 100_000, "singles": 40_000}  # one message per event costs the broker more per event
KILLS = 6
UNREADABLE = {"UNDECODABLE": "UNREADABLE", "UNKNOWN_SCHEMA": "UNREADABLE"}  # garbage may look like either


def _inputs(rng: random.Random, count: int) -> list[dict | bytes]:
    """Return valid events mixed with invalid ones, replays, swapped pairs and garbage, in send order."""
    stream = interleave(simulators(SEED, REGIONS), rng, int(time.time() * 1000))
    out: list[dict | bytes] = []
    held: dict | None = None
    replays: list[dict] = []
    events = 0
    while events < count:
        event = next(stream)
        events += 1
        roll = rng.random()
        if roll < 0.03:
            out.append({**event, "event_id": f"bad-{len(out)}", "ground": "THING_FOUND"})
            events += 1
        elif roll < 0.06:
            replays.append(event)
        elif roll < 0.065:
            out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) + event["region"].encode())
        if held is not None:  # the held event goes after this one: out of order
            out += [event, held]
            held = None
        elif roll > 0.98:
            held = event
        else:
            out.append(event)
        if replays and rng.random() < 0.05:
            out.append(replays.pop(0))
            events += 1
    return out


def _messages(settings: HubSettings, codec: AvroCodec, inputs: list, rng: random.Random,
              singles: bool) -> list[tuple]:
    """Pack inputs into (topic, partition, key, value): batches per region and partition and some singles, or
    (singles) every event a message of its own, as a Java producer sends them."""
    messages = []
    by_region: dict[str, list] = {}
    for item in inputs:
        region = item["region"] if isinstance(item, dict) else item[-5:].decode()
        by_region.setdefault(region, []).append(item)
    for region, items in by_region.items():
        topic = regional_events_topic(region).name(settings)
        keyed = [(i["record_id"].encode() if isinstance(i, dict) else b"garbage", i) for i in items]
        for partition, group in group_by_partition(keyed, lambda k: k[0], settings.partitions).items():
            start = 0
            while start < len(group):
                size = 1 if rng.random() < 0.1 or singles else rng.randrange(2, 300)
                chunk, start = group[start:start + size], start + size
                events = [i for _, i in chunk if isinstance(i, dict)]
                for key, item in chunk:
                    if not isinstance(item, dict):
                        messages.append((topic, partition, key, item))
                if len(events) == 1:
                    messages.append((topic, partition, events[0]["record_id"].encode(),
                                     codec.encode("RecordEvent", events[0])))
                elif events:
                    messages.append((topic, partition, region.encode(), codec.encode(
                        "RecordEventBatch", {"batch_id": f"{region}-{partition}-{start}", "region": region,
                                             "events": events})))
    return messages


async def _end_offset_sum(settings: HubSettings, topic: str) -> int:
    consumer = make_consumer(settings)
    await consumer.start()
    try:
        numbers = (await partitions_of(settings, [topic]))[topic]
        return sum((await consumer.end_offsets([TopicPartition(topic, p) for p in numbers])).values())
    finally:
        await consumer.stop()


def _model(settings: HubSettings, codec: AvroCodec, catalog: Catalog) -> tuple[dict, set, set]:
    """Return the model's register, change ids and refusals, from the regional topics as the broker holds them."""
    register: dict[str, dict] = {}
    changes: set[str] = set()
    refusals: set[tuple] = set()
    now_ms = int(time.time() * 1000)
    for region in REGIONS:
        topic = regional_events_topic(region).name(settings)
        for record in sorted(asyncio.run(read_topic(settings, topic, 1, quiet_s=1)),
                             key=lambda r: (r.partition, r.offset)):
            where = (topic, record.partition, record.offset)
            try:
                decoded = codec.decode(record.value)
            except CodecError:
                refusals.add((*where, None, "UNREADABLE"))
                continue
            events = decoded.value["events"] if "events" in decoded.value else [decoded.value]
            for index, event in enumerate(events):
                key = (*where, index if "events" in decoded.value else None)
                refusal = check_event(event, region, catalog, now_ms)
                decision = None if refusal else apply_event(register.get(event["record_id"]), event,
                                                            catalog.passport(event["record_type"]), now_ms)
                if refusal or decision.outcome == "refused":
                    refusals.add((*key, (refusal or decision.refusal).code))
                elif decision.outcome == "applied":
                    register[event["record_id"]] = decision.state
                    changes.add(decision.change["change_id"])
    return register, changes, refusals


def _finished(settings: HubSettings, codec: AvroCodec, topic: str, expected: set[str]) -> bool:
    """Tell whether the change log holds at least the expected number of distinct change ids."""
    from hub.kafka.reader import read_to_end

    records = asyncio.run(read_to_end(settings, topic))
    return len(records) >= len(expected) and \
        len({codec.decode(r.value).value["change_id"] for r in records}) >= len(expected)


@pytest.mark.parametrize("packing", ["batches", "singles"])
def test_sigkill_at_random_moments_loses_nothing_and_applies_nothing_twice(
        hub_settings: HubSettings, codec: AvroCodec, catalog: Catalog, tmp_path: Path, packing: str) -> None:
    settings = hub_settings
    rng = random.Random(SEED)
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    inputs = _inputs(rng, EVENTS[packing])
    asyncio.run(publish_placed(settings, _messages(settings, codec, inputs, rng, singles=packing == "singles")))
    register, change_ids, refusals = _model(settings, codec, catalog)

    changes_topic = CHANGES.name(settings)
    log = tmp_path / "worker.log"
    worker = Worker(settings, log)
    kills = 0
    try:
        while kills < KILLS:
            start = asyncio.run(_end_offset_sum(settings, changes_topic))
            step = rng.randrange(2_000, 12_000) * EVENTS[packing] // EVENTS["batches"]
            deadline = time.monotonic() + 120
            while asyncio.run(_end_offset_sum(settings, changes_topic)) < start + step:
                if time.monotonic() >= deadline:
                    worker.dump_tasks()
                    raise AssertionError(f"no progress before kill {kills + 1}: {log.read_text()[-30000:]}")
                worker.restart_if_exited(settings)
                time.sleep(0.2)
            worker.kill()
            kills += 1
            worker = Worker(settings, log)
        deadline = time.monotonic() + 600
        while not _finished(settings, codec, changes_topic, change_ids):
            assert time.monotonic() < deadline, f"not finished: {log.read_text()[-3000:]}"
            worker.restart_if_exited(settings)
            time.sleep(2)
        seen = asyncio.run(read_topic(settings, changes_topic, len(change_ids), quiet_s=1))
    finally:
        worker.stop()
    logged = [codec.decode(r.value).value for r in seen]
    assert {c["change_id"] for c in logged} == change_ids, "lost or unexpected changes"
    versions: dict[str, list[int]] = {}
    for change in {c["change_id"]: c for c in logged}.values():
        versions.setdefault(change["record_id"], []).append(change["version"])
    assert all(sorted(v) == list(range(1, len(v) + 1)) for v in versions.values()), "a version applied twice"

    latest: dict[bytes, bytes | None] = {}
    for record in asyncio.run(read_topic(settings, REGISTER.name(settings), len(register), quiet_s=3)):
        latest[record.key] = record.value
    central = {k.decode(): codec.decode(v).value for k, v in latest.items() if v is not None}
    assert central.keys() == register.keys()
    for record_id, state in register.items():
        got = central[record_id]
        assert (got["version"], got["status"], got["last_event_id"], got["owner_unit"]) == \
               (state["version"], state["status"], state["last_event_id"], state["owner_unit"]), record_id

    rejected = {}
    for record in asyncio.run(read_topic(settings, REJECTED.name(settings), len(refusals), quiet_s=3)):
        value = codec.decode(record.value).value
        rejected[value["rejection_id"]] = value
    got_refusals = {(r["source_topic"], r["source_partition"], r["source_offset"], r["source_index"],
                     UNREADABLE.get(r["reason_code"], r["reason_code"])) for r in rejected.values()}
    assert got_refusals == refusals
    assert kills >= 5 and len(inputs) > EVENTS[packing]
