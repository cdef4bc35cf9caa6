"""The shape of a hub installation on a cluster: names, sizes, and what each service runs and asks for."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub import __version__

METRICS_PORT = 9464
DATA_DIR = "/var/lib/hub"
CA_DIR = "/etc/hub/kafka-ca"
USER_DIR = "/etc/hub/kafka-user"
CONFIG_DIR = "/etc/hub/config"


@dataclass(frozen=True)
class ServiceShape:
    """One hub service as a workload: its principal, command, replicas, resources and local disk."""

    name: str
    principal: str
    args: tuple[str, ...]
    replicas: int
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    disk: str | None = None  # a persistent volume per replica (tables, snapshots); None: a Deployment
    local_port: int = 9464  # its metrics port when several services share a host (systemd)
    env: dict[str, str] = field(default_factory=dict)
    secret_env: dict[str, tuple[str, str]] = field(default_factory=dict)  # variable -> (secret, key)
    config_files: tuple[str, ...] = ()  # files of the service's own ConfigMap, mounted under CONFIG_DIR
    env_from_secret: str | None = None  # a Secret whose every key becomes a variable
    config_env: dict[str, str] = field(default_factory=dict)  # variable -> key of the service's own ConfigMap


# Requests are what one replica used in `./deploy/bench aggregator` and `./deploy/bench matcher` (the README's
# "Running on a real cluster" gives the figures and the register size they were measured at); limits leave room
# for a register twice that size.
SERVICES = (
    ServiceShape("aggregator", "hub-aggregator", ("run", "--service", "aggregator"), replicas=3,
                 cpu_request="1", cpu_limit="2", memory_request="768Mi", memory_limit="2Gi", disk="20Gi",
                 env={"HUB_TABLE_STORE": "rocksdb"}),
    ServiceShape("matcher", "hub-matcher", ("run", "--service", "matcher"), replicas=2,
                 cpu_request="1", cpu_limit="2", memory_request="1536Mi", memory_limit="3Gi", disk="4Gi",
                 local_port=9467, env={"HUB_MATCHER_BUILD_PROCESSES": "2"}),
    ServiceShape("reconciler", "hub-reconciler", ("run", "--service", "reconciler"), replicas=1,
                 cpu_request="250m", cpu_limit="1", memory_request="512Mi", memory_limit="1Gi", local_port=9468),
    ServiceShape("sink-webhook", "hub-sink-webhook",
                 ("sink", "webhook", "--subscriptions", f"{CONFIG_DIR}/subscriptions.yaml"), replicas=1,
                 cpu_request="250m", cpu_limit="1", memory_request="256Mi", memory_limit="512Mi", local_port=9470,
                 config_files=("subscriptions.yaml",), env_from_secret="hub-sink-webhook-secrets"),
    ServiceShape("sink-email", "hub-sink-email",
                 ("sink", "email", "--addresses", f"{CONFIG_DIR}/addresses.yaml", "--smtp-host", "$(SMTP_HOST)"),
                 replicas=1, cpu_request="250m", cpu_limit="1", memory_request="256Mi", memory_limit="512Mi",
                 local_port=9471, config_files=("addresses.yaml",), config_env={"SMTP_HOST": "smtp-host"},
                 secret_env={"HUB_SMTP_USERNAME": ("hub-sink-email-smtp", "username"),
                             "HUB_SMTP_PASSWORD": ("hub-sink-email-smtp", "password")}),
    ServiceShape("sink-postgres", "hub-sink-postgres", ("sink", "postgres"), replicas=1,
                 cpu_request="250m", cpu_limit="1", memory_request="256Mi", memory_limit="512Mi", local_port=9472,
                 secret_env={"HUB_SINK_DSN": ("hub-sink-postgres-dsn", "dsn")}),
)


@dataclass(frozen=True)
class ClusterLayout:
    """Where and how big: the namespace, the Kafka cluster's name and size, the hub's image and services."""

    namespace: str = "records-hub"
    cluster: str = "records"
    kafka_version: str = "3.9.0"
    brokers: int = 3
    broker_disk: str = "100Gi"
    broker_resources: dict = field(default_factory=lambda: {
        "requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}})
    operator_user: str = "hub-operator"  # a super user for `hub` commands an operator runs (refdata load)
    image: str = f"registry.mvd.kz/records-hub:{__version__}"
    services: tuple[ServiceShape, ...] = SERVICES

    @property
    def bootstrap(self) -> str:
        """Return the in-cluster bootstrap address of the TLS listener."""
        return f"{self.cluster}-kafka-bootstrap.{self.namespace}.svc:9093"

    @property
    def ca_secret(self) -> str:
        """Return the Secret where Strimzi keeps the cluster CA's certificate (key ca.crt)."""
        return f"{self.cluster}-cluster-ca-cert"
