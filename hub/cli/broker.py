"""Commands for the local Kafka broker (KRaft) fetched from Maven Central."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import click

from hub.kafka.local_broker import ClusterState, LocalCluster, stop_nodes
from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)
DEFAULT_DIR = Path(".hub-broker")


@click.group()
def broker() -> None:
    """Run a local Apache Kafka broker or a three-node cluster on 127.0.0.1."""


def _options(func):
    func = click.option("--fresh", is_flag=True,
                        help="Format the nodes anew (their data is lost); by default a broker started in the folder "
                             "before is started again with its data.")(func)
    func = click.option("--nodes", type=click.Choice(["1", "3"]), default="1",
                        help="One node, or three (replication 3, min.insync.replicas 2).")(func)
    func = click.option("--dir", "base_dir", type=click.Path(path_type=Path, file_okay=False),
                        default=DEFAULT_DIR, show_default=True, help="Folder for the nodes' data and logs.")(func)
    return func


@broker.command("fetch")
@pass_settings
def broker_fetch(settings: HubSettings) -> None:
    """Fetch the broker's jars with mvn into the cache (reused by later runs)."""
    from hub.kafka.local_broker import fetch_jars

    click.echo(str(fetch_jars(settings.cache_dir)))


@broker.command("start")
@_options
@pass_settings
def broker_start(settings: HubSettings, base_dir: Path, nodes: str, fresh: bool) -> None:
    """Start in the background (TLS + SASL/SCRAM); print the bootstrap address when every node answers.

    The operator's credential (a super user) is in <dir>/admin.properties: point HUB_KAFKA_CLIENT_PROPERTIES at it.
    """
    cluster = LocalCluster(base_dir, settings.cache_dir, nodes=int(nodes), keep_storage=not fresh)
    state = cluster.start()
    click.echo(state.bootstrap_servers)


@broker.command("stop")
@click.option("--dir", "base_dir", type=click.Path(path_type=Path, file_okay=False),
              default=DEFAULT_DIR, show_default=True, help="Folder the broker was started in.")
def broker_stop(base_dir: Path) -> None:
    """Stop a broker started in the background: SIGTERM, then SIGKILL after a grace period."""
    stop_nodes(ClusterState.load(base_dir))
    click.echo("stopped")


@broker.command("status")
@click.option("--dir", "base_dir", type=click.Path(path_type=Path, file_okay=False),
              default=DEFAULT_DIR, show_default=True, help="Folder the broker was started in.")
def broker_status(base_dir: Path) -> None:
    """Print the state of a broker started in the background, as JSON."""
    state = ClusterState.load(base_dir)
    click.echo(json.dumps({"bootstrap_servers": state.bootstrap_servers, "admin_properties": state.admin_properties,
                           "nodes": [n.__dict__ for n in state.nodes]}))


@broker.command("run")
@_options
@pass_settings
def broker_run(settings: HubSettings, base_dir: Path, nodes: str, fresh: bool) -> None:
    """Start in the foreground and stop cleanly on Ctrl-C or SIGTERM."""
    cluster = LocalCluster(base_dir, settings.cache_dir, nodes=int(nodes), keep_storage=not fresh)
    state = cluster.start()
    click.echo(f"broker ready: {state.bootstrap_servers}")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    cluster.stop()
    click.echo("broker stopped")
