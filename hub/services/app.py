"""The Faust application of the hub, built from the settings at the entry point."""

from __future__ import annotations

import faust

from hub.settings import HubSettings


def build_app(settings: HubSettings) -> faust.App:
    """Return a Faust app for the settings: at-least-once, raw bytes, compacted changelogs."""
    return faust.App(
        settings.app_id,
        broker=[f"kafka://{hp}" for hp in settings.kafka_bootstrap_servers.split(",")],
        store="memory://",
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        key_serializer="raw",
        value_serializer="raw",
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=8192,
        web_enabled=False,
        processing_guarantee="at_least_once",
        table_cleanup_interval=3600.0,
    )
