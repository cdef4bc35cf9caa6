"""The real Kafka broker for integration tests: started by the suite, never mocked, never skipped."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

from hub.kafka.admin import delete_topics
from hub.kafka.local_broker import LocalCluster
from hub.kafka.probe import broker_count
from hub.settings import HubSettings


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory) -> str:
    """Return the bootstrap address of a real broker: HUB_TEST_BOOTSTRAP_SERVERS, or one started here.

    A broker that cannot be reached fails the tests that need it; it never skips them.
    """
    given = os.environ.get("HUB_TEST_BOOTSTRAP_SERVERS")
    if given:
        assert asyncio.run(broker_count(given)) >= 1, f"no broker answers at {given}"
        yield given
        return
    cluster = LocalCluster(tmp_path_factory.mktemp("kafka"), HubSettings().cache_dir, nodes=1)
    state = cluster.start()
    yield state.bootstrap_servers
    cluster.stop()


@pytest.fixture
def hub_settings(kafka_bootstrap: str, tmp_path: Path) -> HubSettings:
    """Return settings with a topic prefix and consumer group of this test's own."""
    run_id = uuid.uuid4().hex[:10]
    settings = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=f"t{run_id}", partitions=2,
        app_id=f"hub-test-{run_id}", data_dir=tmp_path / "data", metrics_port=0,
    )
    yield settings
    from hub.kafka.topics import all_topics

    asyncio.run(delete_topics(settings, [s.name(settings) for s in all_topics()]))


@pytest.fixture(scope="session")
def postgres_server():
    """Return a real PostgreSQL server started for the session (Debian's package, installed by deploy/test)."""
    from connectors.local_servers import PostgresServer

    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_dsn(postgres_server) -> str:
    """Return the DSN of a fresh database of this test's own."""
    import psycopg

    name = f"t{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.dsn(name)
