"""The match index built by forked builder processes on the real broker: the same index as one built record by
record, every message applied once, a failing builder reported and the matcher building alone then, and a
matcher whose index stops following the register stopping too."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from hub.domain.matching.index import MatchIndex
from hub.errors import BrokerError, IndexBuildError
from hub.kafka.admin import provision
from hub.kafka.connection import make_consumer
from hub.kafka.producer import publish
from hub.kafka.reader import read_to_end
from hub.kafka.topics import REGISTER, all_topics
from hub.sensors import Sensor
from hub.services.index_build import build_in_processes
from hub.services.matcher import INDEX_VIEW, Matcher
from hub.services.refdata import load_reference_data
from tests.samples import PERSON, REGISTER_RECORD, THING

SURNAMES = ["Сейтқалиев", "Жұмабеков", "Нұрланов", "Омаров", "Ким", "Ахметов"]


def person(n: int, **overrides) -> dict:
    document = {**PERSON, "iin": None, "surname": SURNAMES[n % len(SURNAMES)], "birth_date": 5000 + n,
                "identity_documents": [{**PERSON["identity_documents"][0], "number": f"N{n:08d}"}]}
    return {**REGISTER_RECORD, "record_id": f"KZ-75-WANTED_PERSON-{n:08d}", "document": document, **overrides}


def vehicle(n: int, **overrides) -> dict:
    return {**REGISTER_RECORD, "record_id": f"KZ-75-STOLEN_VEHICLE-{n:08d}", "record_type": "STOLEN_VEHICLE",
            "object_kind": "THING", "document": {**THING, "vin": f"JTNB11HK1{n:08d}", "plate": f"{n:03d}ABC02"},
            **overrides}


def register_messages(codec) -> list[tuple[str, bytes | None]]:
    """Enrolments, corrections, removals, purges, an enrolment after a purge and an unreadable message."""
    states = [person(n) for n in range(40)] + [vehicle(n) for n in range(20)]
    states += [person(n, version=2, document={**person(n)["document"], "surname": "Әбенов"}) for n in range(10)]
    states += [person(n, version=2, status="REMOVED") for n in range(10, 15)]
    messages = [(s["record_id"], codec.encode("RegisterRecord", s)) for s in states]
    messages += [(vehicle(n)["record_id"], None) for n in range(5)]  # purged
    messages += [(vehicle(0)["record_id"], codec.encode("RegisterRecord", vehicle(0)))]
    messages += [(person(20)["record_id"], b"\xc3\x01not a register record")]  # logged; the record stays
    return messages


def one_by_one(settings, codec) -> MatchIndex:
    """Build the index the plain way: every register message put or removed in order."""
    index = MatchIndex(decode=lambda raw: codec.decode(raw, expect="RegisterRecord").value)
    for record in asyncio.run(read_to_end(settings, REGISTER.name(settings))):
        if record.value is None:
            index.remove(record.key.decode())
        elif record.value.startswith(b"\xc3\x01not"):
            continue
        else:
            index.put(codec.decode(record.value, expect="RegisterRecord").value, payload=record.value)
    return index


def prepared(hub_settings, codec):
    settings = hub_settings.model_copy(update={"partitions": 3})  # three partitions for two builders
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(publish(settings, REGISTER.name(settings), register_messages(codec)))
    return settings


async def ends_of(settings) -> tuple[dict, dict]:
    consumer = make_consumer(settings)
    await consumer.start()
    try:
        partitions = [TopicPartition(REGISTER.name(settings), p) for p in range(settings.partitions)]
        return await consumer.beginning_offsets(partitions), await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()


def test_builders_build_the_index_that_records_put_one_by_one_would(hub_settings, codec):
    settings = prepared(hub_settings, codec)
    starts, ends = asyncio.run(ends_of(settings))
    index = MatchIndex(decode=lambda raw: codec.decode(raw, expect="RegisterRecord").value)
    applied = []

    async def apply(batch) -> None:
        applied.extend(batch.record_ids)
        index.add_batch(batch)
    view = codec.view_reader("RegisterRecord", INDEX_VIEW)
    reached = asyncio.run(build_in_processes(settings, view, starts, ends, 2, apply))
    assert reached == ends  # every message read, none past the end it was asked for
    index.seal()
    expected = one_by_one(settings, codec)
    assert set(index.record_ids()) == set(expected.record_ids()) and len(index) == 60 - 5 - 5 + 1
    for record_id in expected.record_ids():
        assert index.state_of(record_id) == expected.state_of(record_id)
    # each readable non-purge message gave one entry, none applied twice (a correction is a second entry)
    assert len(applied) == 60 + 10 + 1 and len(set(applied)) == 60
    for subject, is_person in [({"surname": "Abenov", "given_name": "Alikhan", "birth_date": 5003}, True),
                               ({"number": "N00000012"}, False), ({"plate": "007ABC02"}, False),
                               ({"vin": "JTNB11HK100000003"}, False), ({"plate": "000ABC02"}, False)]:
        assert index.search(subject, person=is_person) == expected.search(subject, person=is_person)
    assert index.search({"plate": "000ABC02"}, person=False)[0].record_id == vehicle(0)["record_id"]
    assert index.search({"plate": "003ABC02"}, person=False) == []  # purged


def test_a_failing_builder_is_reported_and_leaves_no_process_behind(hub_settings, codec):
    settings = prepared(hub_settings, codec)
    starts, ends = asyncio.run(ends_of(settings))
    view = codec.view_reader("RegisterRecord", INDEX_VIEW)

    def failing_view(raw: bytes) -> dict:
        state = view(raw)
        if state["record_id"] == vehicle(7)["record_id"]:
            raise RuntimeError("the builder's own failure")
        return state

    async def apply(batch) -> None:
        pass
    before = children()
    with pytest.raises(IndexBuildError, match="the builder's own failure"):
        asyncio.run(build_in_processes(settings, failing_view, starts, ends, 2, apply))
    assert children() <= before  # every builder ended and was reaped (a zombie is still a child)


def children() -> set[int]:
    """Return the pids of this process's children, zombies included."""
    return {int(pid) for task in Path(f"/proc/{os.getpid()}/task").iterdir()
            for pid in (task / "children").read_text().split()}


def test_the_matcher_builds_alone_when_a_builder_fails(hub_settings, codec):
    settings = prepared(hub_settings, codec)
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    matcher = Matcher(settings.model_copy(update={"matcher_snapshot_interval_s": 0}), codec, Sensor())
    view, matcher_pid = matcher._index_view, os.getpid()

    def fails_in_builders(raw: bytes) -> dict:
        if os.getpid() != matcher_pid:
            raise RuntimeError("a builder fails")
        return view(raw)
    matcher._index_view = fails_in_builders

    async def build() -> None:
        following = asyncio.ensure_future(matcher.follow_register())
        try:
            await asyncio.wait_for(matcher.caught_up.wait(), 60)
        finally:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
    started = time.monotonic()
    asyncio.run(build())
    expected = one_by_one(settings, codec)
    assert set(matcher.index.record_ids()) == set(expected.record_ids()), time.monotonic() - started
    assert matcher.index.search({"plate": "000ABC02"}, person=False)[0].record_id == vehicle(0)["record_id"]


def test_the_matcher_stops_when_its_index_stops_following_the_register(hub_settings, codec):
    settings = prepared(hub_settings, codec)
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    matcher = Matcher(settings, codec, Sensor())

    async def broken() -> None:
        await asyncio.sleep(0.1)
        raise BrokerError("the register cannot be read")
    matcher.follow_register = broken  # it would otherwise wait for an index that never catches up
    with pytest.raises(BrokerError, match="the register cannot be read"):
        asyncio.run(asyncio.wait_for(matcher.run(), 60))
