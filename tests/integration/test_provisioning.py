"""Topic provisioning and the codec against the real broker."""

from __future__ import annotations

import asyncio
import time

from hub.codec import AvroCodec
from hub.kafka.admin import admin_client, provision, topic_config
from hub.kafka.connection import make_consumer
from hub.kafka.producer import publish
from hub.kafka.topics import REGISTER, all_topics, regional_events_topic
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings
from tests.samples import EVENT


async def _describe(settings: HubSettings, names: list[str]) -> tuple[dict[str, int], dict[str, dict]]:
    admin = admin_client(settings)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
        partitions = {t["topic"]: len(t["partitions"]) for t in described}
        configs = {n: await topic_config(admin, n, ["cleanup.policy", "retention.ms"]) for n in names}
        return partitions, configs
    finally:
        await admin.close()


def test_provisioning_creates_every_topic_with_its_shape_and_is_idempotent(hub_settings: HubSettings) -> None:
    specs = all_topics()
    first = asyncio.run(provision(hub_settings, specs))
    assert {r.action for r in first} == {"created"} and len(first) == len(specs)
    second = asyncio.run(provision(hub_settings, specs))
    assert {r.action for r in second} == {"unchanged"} and len(second) == len(specs)
    names = [s.name(hub_settings) for s in specs]
    partitions, configs = asyncio.run(_describe(hub_settings, names))
    for spec in specs:
        name = spec.name(hub_settings)
        assert partitions[name] == spec.partition_count(hub_settings)
        assert configs[name]["cleanup.policy"] == spec.config(hub_settings)["cleanup.policy"]
    assert configs[REGISTER.name(hub_settings)]["cleanup.policy"] == "compact"


def test_provisioning_restores_a_drifted_configuration(hub_settings: HubSettings) -> None:
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    specs = [REGISTER]
    asyncio.run(provision(hub_settings, specs))

    async def drift() -> None:
        admin = admin_client(hub_settings)
        await admin.start()
        try:
            await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, REGISTER.name(hub_settings),
                                                      {"cleanup.policy": "delete"})])
        finally:
            await admin.close()

    asyncio.run(drift())
    for _ in range(50):  # configuration changes reach the broker asynchronously
        _, configs = asyncio.run(_describe(hub_settings, [REGISTER.name(hub_settings)]))
        if configs[REGISTER.name(hub_settings)]["cleanup.policy"] == "delete":
            break
        time.sleep(0.1)
    assert configs[REGISTER.name(hub_settings)]["cleanup.policy"] == "delete"
    results = asyncio.run(provision(hub_settings, specs))
    assert len(results) == 1, results
    (result,) = results
    assert result.action == "reconfigured"
    _, configs = asyncio.run(_describe(hub_settings, [REGISTER.name(hub_settings)]))
    assert configs[REGISTER.name(hub_settings)]["cleanup.policy"] == "compact"


def test_encoded_events_survive_the_broker(hub_settings: HubSettings, codec: AvroCodec) -> None:
    spec = regional_events_topic("KZ-75")
    asyncio.run(provision(hub_settings, [spec]))
    topic = spec.name(hub_settings)
    events = [{**EVENT, "event_id": f"e-{i}", "record_id": f"KZ-75-WANTED_PERSON-{i:08d}"} for i in range(50)]
    sent = asyncio.run(publish(hub_settings, topic, [(e["record_id"], codec.encode("RecordEvent", e)) for e in events]))
    assert sent == 50

    async def read_all() -> list[dict]:
        consumer = make_consumer(hub_settings, topic,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            got = []
            while len(got) < 50:
                batch = await consumer.getmany(timeout_ms=5000)
                assert batch, "no message within 5 s"
                for records in batch.values():
                    got += [codec.decode(r.value, expect="RecordEvent").value for r in records]
            return got
        finally:
            await consumer.stop()

    assert sorted(e["event_id"] for e in asyncio.run(read_all())) == sorted(e["event_id"] for e in events)


def test_reference_data_loads(hub_settings: HubSettings) -> None:
    from hub.kafka.topics import PASSPORTS, REFERENCE_BOOKS

    asyncio.run(provision(hub_settings, [PASSPORTS, REFERENCE_BOOKS]))
    counts = asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    assert counts == {"passports": 10, "reference_entries": 220}
