"""The real Kafka broker for integration tests: started by the suite, never mocked, never skipped."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

from hub.kafka.admin import delete_topics
from hub.kafka.connection import client_options
from hub.kafka.local_broker import ClusterState, LocalCluster
from hub.kafka.probe import broker_count
from hub.settings import HubSettings


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory) -> ClusterState | None:
    """Return the local secured broker the suite started (None when HUB_TEST_CLIENT_PROPERTIES names another)."""
    if os.environ.get("HUB_TEST_CLIENT_PROPERTIES"):
        yield None
        return
    cluster = LocalCluster(tmp_path_factory.mktemp("kafka"), HubSettings().cache_dir, nodes=1)
    yield cluster.start()
    cluster.stop()


@pytest.fixture(scope="session")
def kafka_admin_properties(kafka_cluster: ClusterState | None) -> Path:
    """Return the operator's client properties file of a real broker (TLS + SCRAM, a super user): the
    suite's own broker's, or HUB_TEST_CLIENT_PROPERTIES.

    A broker that cannot be reached fails the tests that need it; it never skips them.
    """
    path = Path(os.environ.get("HUB_TEST_CLIENT_PROPERTIES") or kafka_cluster.admin_properties)
    options = client_options(HubSettings(kafka_client_properties=path))
    assert asyncio.run(broker_count(options)) >= 1, f"no broker answers as {path} says"
    return path


@pytest.fixture
def hub_settings(kafka_admin_properties: Path, tmp_path: Path) -> HubSettings:
    """Return the operator's settings with a topic prefix and consumer group of this test's own."""
    run_id = uuid.uuid4().hex[:10]
    settings = HubSettings(
        kafka_client_properties=kafka_admin_properties, topic_prefix=f"t{run_id}", partitions=2,
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
