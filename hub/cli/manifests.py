"""Commands that generate the manifests of a real cluster (Kubernetes with Strimzi) and a plain Linux install."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from hub.settings import REPO_ROOT

KUBERNETES_DIR = REPO_ROOT / "deploy" / "kubernetes"
SYSTEMD_DIR = REPO_ROOT / "deploy" / "systemd"


@click.group()
def manifests() -> None:
    """Manifests for a real cluster (Kubernetes + Strimzi) and systemd units, generated from the hub's own
    topics, access plan and service shapes."""


@manifests.command("kubernetes")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder to write the YAML files into (in a checkout: deploy/kubernetes).")
@click.option("--namespace", default="records-hub", show_default=True, help="Namespace of every resource.")
@click.option("--cluster", default="records", show_default=True, help="Name of the Strimzi Kafka cluster.")
@click.option("--image", default="registry.mvd.kz/records-hub:latest", show_default=True,
              help="The hub's container image (deploy/container/Containerfile).")
@click.option("--topic-prefix", default="hub", show_default=True, help="First part of every topic name.")
@click.option("--app-id", default="records-hub", show_default=True, help="The aggregators' consumer group.")
@click.option("--partitions", default=6, show_default=True, type=click.IntRange(1), help="Partitions of each data topic.")
@click.option("--check", is_flag=True, help="Write nothing; fail (status 1) if the files differ from what would be written.")
def manifests_kubernetes(out_dir: Path | None, namespace: str, cluster: str, image: str, topic_prefix: str,
                         app_id: str, partitions: int, check: bool) -> None:
    """Write the Strimzi Kafka cluster (KRaft, three brokers, TLS + SCRAM), its topics and users with ACLs, and
    the hub's services with probes, as YAML files applied in name order (`kubectl apply -f FOLDER`); the
    hub's settings are its defaults and these options, never the environment's."""
    from hub.manifests import ClusterLayout, cluster_settings, default_settings, kubernetes_files, render

    layout = ClusterLayout(namespace=namespace, cluster=cluster, image=image)
    settings = default_settings(topic_prefix=topic_prefix, app_id=app_id, partitions=partitions)
    files = kubernetes_files(layout, cluster_settings(settings, layout))
    texts = {name: render(documents) for name, documents in files.items()}
    _write_or_check(_folder(out_dir, KUBERNETES_DIR), texts, check)


@manifests.command("systemd")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder to write the unit files into (in a checkout: deploy/systemd).")
@click.option("--hub-bin", default="/opt/records-hub/bin/hub", show_default=True,
              help="Path of the installed `hub` command.")
@click.option("--check", is_flag=True, help="Write nothing; fail (status 1) if the files differ from what would be written.")
def manifests_systemd(out_dir: Path | None, hub_bin: str, check: bool) -> None:
    """Write one systemd unit per hub service (settings from /etc/records-hub, restarts with a pause, given
    up after five failed starts in ten minutes) and an example of the settings file they share."""
    from hub.manifests import systemd_units

    _write_or_check(_folder(out_dir, SYSTEMD_DIR), systemd_units(hub_bin), check)


def _folder(given: Path | None, in_checkout: Path) -> Path:
    """Return the folder to write into: the one given, or the checkout's when this runs from one."""
    if given is not None:
        return given
    if (REPO_ROOT / "pyproject.toml").is_file():
        return in_checkout
    raise click.UsageError("give --out: this is an installed hub, not a checkout")


def _write_or_check(out_dir: Path, texts: dict[str, str], check: bool) -> None:
    from hub.manifests import write_files

    if not check:
        for path in write_files(out_dir, texts):
            click.echo(str(path))
        return
    stale = [name for name, text in texts.items()
             if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != text]
    for name in stale:
        old = (out_dir / name).read_text(encoding="utf-8").splitlines() if (out_dir / name).is_file() else []
        sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(
            old, texts[name].splitlines(), str(out_dir / name), "generated", lineterm="", n=1))
    if stale:
        raise click.ClickException(f"{len(stale)} file(s) differ from the generator: {', '.join(stale)}; "
                                   f"run the command without --check to write them")
