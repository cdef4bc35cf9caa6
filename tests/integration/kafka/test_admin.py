"""Provisioning topics on the real broker: what a producer meets right after."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from hub.kafka.admin import admin_client, provision, topic_config
from hub.kafka.producer import publish_placed
from hub.kafka.topics import CHECK_AUDIT, all_topics
from hub.settings import HubSettings


def test_a_topic_just_provisioned_takes_messages_without_a_leaderless_retry(
        hub_settings: HubSettings, caplog: pytest.LogCaptureFixture) -> None:
    """`hub topics` and the services provision, then write at once: no NotLeaderForPartition retry (a warning
    a new user reads as a fault) may come of a partition whose leader is not elected yet (every topic of the
    hub at once: over a hundred, as on a first start)."""
    specs = all_topics()
    caplog.set_level(logging.WARNING, logger="aiokafka")
    asyncio.run(provision(hub_settings, specs))
    messages = [(spec.name(hub_settings), partition, b"key", b"value")
                for spec in specs for partition in range(spec.partition_count(hub_settings))]
    assert asyncio.run(publish_placed(hub_settings, messages)) == len(messages)
    retries = [r.getMessage() for r in caplog.records if "NotLeaderForPartition" in r.getMessage()]
    assert retries == []


async def _set_topic_configs(settings: HubSettings, name: str, configs: dict[str, str]) -> None:
    """Set a topic's configuration as an operator's tool would (the whole set, as AlterConfigs does)."""
    admin = admin_client(settings)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs)])
    finally:
        await admin.close()


async def _configs_of(settings: HubSettings, name: str, keys: list[str]) -> dict[str, str]:
    admin = admin_client(settings)
    await admin.start()
    try:
        return await topic_config(admin, name, keys)
    finally:
        await admin.close()


def test_a_drifted_topic_is_put_back_without_wiping_what_an_operator_set_besides(hub_settings: HubSettings) -> None:
    asyncio.run(provision(hub_settings, [CHECK_AUDIT]))
    name, wanted = CHECK_AUDIT.name(hub_settings), CHECK_AUDIT.config(hub_settings)
    drifted = {**wanted, "retention.ms": "3600000", "max.message.bytes": "2097152"}  # the operator's own key too
    asyncio.run(_set_topic_configs(hub_settings, name, drifted))
    results = asyncio.run(provision(hub_settings, [CHECK_AUDIT]))
    assert [r.action for r in results] == ["reconfigured"]
    found = asyncio.run(_configs_of(hub_settings, name, [*wanted, "max.message.bytes"]))
    assert {k: found[k] for k in wanted} == wanted  # the drift put back
    assert found["max.message.bytes"] == "2097152"  # and the operator's setting kept
