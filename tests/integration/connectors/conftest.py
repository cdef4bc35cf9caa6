"""Fixtures of the connectors' integration tests: topics and reference data of the test's own."""

from __future__ import annotations

import asyncio

import pytest

from hub.kafka.admin import provision
from hub.kafka.topics import all_topics
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings


@pytest.fixture
def provisioned(hub_settings: HubSettings) -> HubSettings:
    """Return settings whose topics exist and hold the starter passports and reference books."""
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    return hub_settings
