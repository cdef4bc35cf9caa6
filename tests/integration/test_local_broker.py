"""The broker script: a single node and a three-node cluster start and stop cleanly."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from hub.kafka.admin import admin_client, provision, topic_config
from hub.kafka.connection import aiokafka_options
from hub.kafka.local_broker import ClusterState, LocalCluster, port_is_open
from hub.kafka.probe import broker_count
from hub.kafka.topics import REGISTER
from hub.settings import HubSettings

REPO = Path(__file__).resolve().parents[2]


def _pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"


def _assert_gone(state: ClusterState) -> None:
    for node in state.nodes:
        assert not _pid_alive(node.pid), f"node {node.node_id} still runs"
        assert not port_is_open(node.broker_port) and not port_is_open(node.controller_port)


def test_cli_starts_and_stops_a_single_node(tmp_path: Path) -> None:
    hub = [sys.executable, "-m", "hub"]
    started = subprocess.run(hub + ["broker", "start", "--dir", str(tmp_path)], capture_output=True,
                             text=True, timeout=180, cwd=REPO)
    assert started.returncode == 0, started.stderr
    bootstrap = started.stdout.strip().splitlines()[-1]
    assert bootstrap.startswith("127.0.0.1:")
    state = ClusterState.load(tmp_path)
    assert state.bootstrap_servers == bootstrap
    assert asyncio.run(broker_count(aiokafka_options(state.admin_connection()))) == 1
    stopped = subprocess.run(hub + ["broker", "stop", "--dir", str(tmp_path)], capture_output=True,
                             text=True, timeout=60, cwd=REPO)
    assert stopped.returncode == 0, stopped.stderr
    _assert_gone(state)


def test_three_node_cluster_replicates_and_survives_a_node_loss(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path, HubSettings().cache_dir, nodes=3, heap_mb=384)
    state = cluster.start()
    try:
        assert asyncio.run(broker_count(aiokafka_options(state.admin_connection()))) == 3
        settings = HubSettings(kafka_client_properties=state.admin_properties, topic_prefix="fault",
                               replication_factor=3, min_insync_replicas=2, partitions=3)
        asyncio.run(provision(settings, [REGISTER]))

        async def describe() -> tuple[list, dict]:
            admin = admin_client(settings)
            await admin.start()
            try:
                (topic,) = await admin.describe_topics([REGISTER.name(settings)])
                return topic["partitions"], await topic_config(admin, REGISTER.name(settings), ["min.insync.replicas"])
            finally:
                await admin.close()

        partitions, config = asyncio.run(describe())
        assert all(len(p["replicas"]) == 3 for p in partitions)
        assert config["min.insync.replicas"] == "2"
        cluster.kill_node(3)
        from hub.kafka.producer import publish

        sent = asyncio.run(publish(settings, REGISTER.name(settings), [(f"k{i}", b"v") for i in range(20)]))
        assert sent == 20  # two in-sync replicas of three still take acks=all writes
    finally:
        cluster.stop()
    _assert_gone(state)
