"""Events a regional system sends in compressed batches (as Java's and librdkafka's producers may) are applied."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer

from hub.kafka.admin import provision
from hub.kafka.connection import client_options
from hub.kafka.topics import REGISTER, all_topics, regional_events_topic
from hub.services.refdata import load_reference_data
from tests.integration.helpers import Worker, decode_all, read_topic
from tests.samples import EVENT

CODECS = ("gzip", "snappy", "lz4", "zstd")


async def publish_compressed(settings, codec, topic: str) -> list[str]:
    """Publish three events with each compression codec, each from a producer of its own; return their record ids."""
    ids = []
    for n, compression in enumerate(CODECS):
        producer = AIOKafkaProducer(**client_options(settings), compression_type=compression, linger_ms=50)
        await producer.start()
        try:
            sends = []
            for k in range(3):
                record_id = f"KZ-75-WANTED_PERSON-{n * 10 + k:08d}"
                event = {**EVENT, "event_id": f"ev-{compression}-{k}", "record_id": record_id,
                         "occurred_at": int(time.time() * 1000) - 60_000}
                sends.append(await producer.send(topic, codec.encode("RecordEvent", event), key=record_id.encode()))
                ids.append(record_id)
            await asyncio.gather(*sends)
        finally:
            await producer.stop()
    return ids


def test_events_in_gzip_snappy_lz4_and_zstd_batches_are_all_applied(hub_settings, codec, tmp_path: Path) -> None:
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    ids = asyncio.run(publish_compressed(hub_settings, codec, regional_events_topic("KZ-75").name(hub_settings)))
    worker = Worker(hub_settings, tmp_path / "worker.log", service="aggregator")
    try:
        records = asyncio.run(read_topic(hub_settings, REGISTER.name(hub_settings), len(ids), timeout_s=120))
        states = decode_all(codec, records, "RegisterRecord")
        assert sorted(state["record_id"] for state in states) == sorted(ids), (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        worker.stop()
