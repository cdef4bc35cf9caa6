"""Provisioning topics on the real broker: what a producer meets right after."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.kafka.admin import provision
from hub.kafka.producer import publish_placed
from hub.kafka.topics import all_topics
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
