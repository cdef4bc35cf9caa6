"""The one settings object, read from HUB_-prefixed environment variables at the entry point."""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def schemas_root() -> Path:
    """Return the schemas folder: the repository's, or the one an installed package ships (setup.py) under the
    environment's prefix or, for `pip install --user`, the user's base."""
    shipped = [Path(base) / "share" / "records-hub" / "schemas" for base in (sys.prefix, site.getuserbase())]
    return next((folder for folder in [REPO_ROOT / "schemas", *shipped] if folder.is_dir()), shipped[0])


DEFAULT_RUN_FILE = Path(".hub-run") / "hub.env"


class RunFileSource(PydanticBaseSettingsSource):
    """The connection `./deploy/up` chose, from its run file (HUB_RUN_FILE, or .hub-run/hub.env here): read
    only when no HUB_KAFKA_* variable or kafka_* argument is given, so that an explicit connection always wins
    whole (a benchmark's own broker takes nothing, not even the replication factor, from a cluster's run file)."""

    def __init__(self, settings_cls, given: dict):
        """Read the run file unless `given` (the arguments) names a Kafka connection."""
        super().__init__(settings_cls)
        self.given = given

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[None, str, bool]:
        """Unused: __call__ reads the whole file."""
        return None, field_name, False

    def __call__(self) -> dict[str, str]:
        """Return the settings the run file gives (none when a HUB_KAFKA_* variable is set or no file is there)."""
        if any(name.startswith("HUB_KAFKA_") for name in os.environ) or \
                any(name.startswith("kafka_") for name in self.given):
            return {}
        return read_run_file(Path(os.environ.get("HUB_RUN_FILE") or DEFAULT_RUN_FILE))


def read_run_file(path: Path) -> dict[str, str]:
    """Return the HUB_ settings of a run file (KEY=VALUE lines) by field name; {} when it cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    values = {}
    for line in lines:
        name, sep, value = line.strip().partition("=")
        if sep and name.startswith("HUB_") and name != "HUB_RUN_FILE":
            values[name[4:].lower()] = value
    return values


class HubSettings(BaseSettings):
    """Every setting of the hub; each field is the variable HUB_<FIELD NAME>."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        """Read, in this order: arguments, HUB_ variables, the run file of `./deploy/up`."""
        return init_settings, env_settings, RunFileSource(settings_cls, init_settings.init_kwargs), dotenv_settings, file_secret_settings

    run_file: Path = Field(
        DEFAULT_RUN_FILE, description="The file where `./deploy/up` writes the connection it chose (bootstrap, the "
        "operator's client properties, the credentials folder); every `hub` command reads it when no HUB_KAFKA_* "
        "variable is given."
    )

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated host:port."
    )
    kafka_security_protocol: Literal["SASL_SSL", "SSL", "SASL_PLAINTEXT", "PLAINTEXT"] = Field(
        "SASL_SSL", description="How clients connect: TLS with SASL authentication unless a cluster asks otherwise."
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism of the client's credential."
    )
    kafka_sasl_username: str | None = Field(None, description="The client's principal (user name) on the cluster.")
    kafka_sasl_password: SecretStr | None = Field(
        None, description="The client's password; prefer HUB_KAFKA_SASL_PASSWORD_FILE, which keeps it out of "
                          "the environment."
    )
    kafka_sasl_password_file: Path | None = Field(None, description="A file holding the client's password.")
    kafka_ssl_cafile: Path | None = Field(
        None, description="PEM file of the CA that signed the brokers' certificates (unset: the system's CAs)."
    )
    kafka_client_properties: Path | None = Field(
        None, description="A Kafka client properties file (bootstrap.servers, security.protocol, sasl.mechanism, "
                          "sasl.jaas.config, ssl.truststore.location) that fills every HUB_KAFKA_* setting not given."
    )
    kafka_compression_type: Literal["lz4", "zstd", "gzip", "none"] = Field(
        "lz4", description="Compression of the batches the hub's producers send (brokers keep them as sent): lz4 "
                           "cut the brokers' CPU per event by a third on a TLS cluster of three."
    )
    topic_prefix: str = Field(
        "hub", description="First part of every topic name; tests give each run its own."
    )
    partitions: int = Field(6, ge=1, description="Partitions of every data topic.")
    check_partitions: int = Field(
        1, ge=1, description="Partitions of each scope's check requests, check results and notifications topics: "
        "a region's checks are few, and every partition a consumer reads is in each of its fetches, so many "
        "idle ones add to the latency of every check."
    )
    replication_factor: int = Field(1, ge=1, description="Replication factor of every topic.")
    min_insync_replicas: int = Field(1, ge=1, description="min.insync.replicas of every topic.")
    app_id: str = Field("records-hub", description="Faust application id (consumer group).")
    data_dir: Path = Field(
        Path(".hub-data"), description="Where workers keep local table state."
    )
    credentials_dir: Path = Field(
        Path(".hub-credentials"), description="Where hub access writes the client properties file of each principal "
                                              "it makes or rotates (mode 0600; keep it out of the repository)."
    )
    table_store: Literal["rocksdb", "memory"] = Field(
        "rocksdb", description="Where workers keep table state: RocksDB under data_dir (a restart reads "
                               "the changelog only from the last stored offset), or memory (a restart reads it all)."
    )
    table_cache_mb: int = Field(
        64, ge=8, description="RocksDB block cache and write buffer of each table partition, in MiB."
    )
    metrics_host: str = Field("127.0.0.1", description="Address the /metrics endpoint binds.")
    metrics_port: int = Field(9464, ge=0, description="Port of the /metrics endpoint (0: any).")
    web_port: int = Field(6066, ge=0, description="Port of the Faust web server.")
    schemas_dir: Path = Field(
        schemas_root() / "avro", description="Current Avro schemas (one .avsc per record)."
    )
    released_schemas_dir: Path = Field(
        schemas_root() / "released",
        description="Last released version of each schema, for the evolution gate.",
    )
    refdata_dir: Path = Field(
        REPO_ROOT / "hub" / "refdata", description="Passports and reference books to load."
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "records-hub",
        description="Cache outside the repository for the Kafka broker's jars.",
    )
    request_timeout_s: float = Field(30.0, gt=0, description="Timeout of one broker request.")
    stream_stall_timeout_s: float = Field(
        300.0, gt=0, description="How long a stream's partition may hold unprocessed or uncommitted events before "
                                 "the aggregator logs it as stalled (an ERROR: something is stuck)."
    )
    partition_stall_restart_s: float = Field(
        120.0, gt=0, description="How long an aggregator's partition may have records past the committed offset with "
                                 "neither processing nor commits moving before the worker stops (a CRITICAL line "
                                 "says what was stuck) so that its restart reads them again from the committed offset; after a quarter "
                                 "of it the partition is sought back to that offset."
    )
    start_stuck_limit_s: float = Field(
        120.0, gt=0, description="How long an aggregator may be neither ready nor recovering its tables (a start "
                                 "stuck before its first assignment) before it exits with status 75 to be started again."
    )
    session_timeout_s: float = Field(
        10.0, gt=0, description="Consumer session timeout: how soon a dead worker's partitions move on."
    )
    sweep_interval_s: float = Field(
        60.0, gt=0, description="How often the aggregator looks for due term notices, expiries and purges."
    )
    matcher_snapshot_interval_s: float = Field(
        300.0, ge=0, description="How often the matcher writes its index to data_dir when the register has changed "
                                 "(0: never), so that a restart reads the register only from there."
    )
    matcher_build_processes: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=0, description="Processes that read the register's partitions and work out index entries while the "
                                "matcher builds its index from the start (0: the matcher alone; default: one per core)."
    )
    reconcile_manifest_timeout_s: float = Field(
        3600.0, gt=0, description="How long the reconciler waits for the rest of a manifest's chunks before it gives "
                                  "the manifest up and tells its unit."
    )
    reconcile_wait_s: float = Field(
        900.0, gt=0, description="How long a whole manifest waits for the aggregator to apply its region's events "
                                 "before it is given up (its unit is told to send it again)."
    )
    reconcile_overdue_interval_s: float = Field(
        3600.0, gt=0, description="How often the reconciler looks for regions whose manifests are overdue by their "
                                  "passports' reconciliation schedules."
    )
    log_level: str = Field("INFO", description="Log level of the services.")
    connector_workers: int = Field(
        2, ge=0, description="Worker processes that check and encode events for the importer and the outbox relay "
                             "(0: the connector's own process does)."
    )

    def as_env(self) -> dict[str, str]:
        """Return the HUB_* variables that give a child process these settings: those given, not the defaults,
        so that a client properties file still fills every Kafka setting not given (secrets unwrapped)."""
        values = self.model_dump(exclude_unset=True, exclude_none=True)
        return {f"HUB_{name.upper()}": value.get_secret_value() if isinstance(value, SecretStr) else str(value)
                for name, value in values.items()}

    def topic(self, suffix: str) -> str:
        """Return the full topic name for a suffix such as 'register'."""
        return f"{self.topic_prefix}.{suffix}"
