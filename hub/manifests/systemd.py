"""systemd units for a plain Linux install: one unit per hub service, restarted with a back-off, given up loudly."""

from __future__ import annotations

from hub.manifests.layout import SERVICES, ServiceShape

CONFIG_ROOT = "/etc/records-hub"
STATE_ROOT = "records-hub"  # under /var/lib, made by systemd (StateDirectory)
USER = "records-hub"


def unit_name(service: ServiceShape) -> str:
    """Return a service's unit file name, e.g. records-hub-aggregator.service."""
    return f"records-hub-{service.name}.service"


def _args(service: ServiceShape) -> str:
    """Return a service's arguments for ExecStart: its files under /etc/records-hub/<service>, a Kubernetes
    $(VARIABLE) as systemd's ${VARIABLE} (from the service's .env)."""
    return " ".join(arg.replace("/etc/hub/config", f"{CONFIG_ROOT}/{service.name}").replace("$(", "${").replace(")", "}")
                    for arg in service.args)


def unit_text(service: ServiceShape, hub_bin: str) -> str:
    """Return the unit of one service: settings from /etc/records-hub/hub.env (and the service's own .env, if
    any), its principal, password, port and state folder from the unit, state under /var/lib/records-hub."""
    own = "".join(f"Environment={name}={value}\n" for name, value in sorted(service.env.items()))
    return f"""[Unit]
Description=Records hub {service.name} (Kafka principal {service.principal})
Documentation=file:///usr/share/doc/records-hub/README.md
Wants=network-online.target
After=network-online.target
# Given up after 5 failed starts in 10 minutes: `systemctl status` and the journal say why.
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=exec
User={USER}
Group={USER}
# A file's values win over Environment= lines: neither file sets the variables this unit sets below.
EnvironmentFile={CONFIG_ROOT}/hub.env
EnvironmentFile=-{CONFIG_ROOT}/{service.name}.env
Environment=HUB_DATA_DIR=/var/lib/{STATE_ROOT}/{service.name}
Environment=HUB_METRICS_PORT={service.local_port}
Environment=HUB_KAFKA_SASL_USERNAME={service.principal}
Environment=HUB_KAFKA_SASL_PASSWORD_FILE=%d/kafka-password
{own}LoadCredential=kafka-password:{CONFIG_ROOT}/credentials/{service.principal}.password
ExecStart={hub_bin} {_args(service)}
Restart=always
RestartSec=5s
TimeoutStopSec=75s
StateDirectory={STATE_ROOT}/{service.name}
StateDirectoryMode=0700
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryMax={_bytes(service.memory_limit)}

[Install]
WantedBy=multi-user.target
"""


def _bytes(quantity: str) -> str:
    """Return a Kubernetes memory quantity (Mi, Gi) as systemd writes it (M, G: both base 1024)."""
    return quantity.removesuffix("i")


SHARED_ENV_EXAMPLE = f"""# {CONFIG_ROOT}/hub.env: the settings every hub service shares (mode 0640, root:{USER}).
# Not here: HUB_DATA_DIR, HUB_METRICS_PORT, HUB_KAFKA_SASL_USERNAME, HUB_KAFKA_SASL_PASSWORD_FILE (each unit
# sets its own). Each principal's password goes in {CONFIG_ROOT}/credentials/<principal>.password (mode 0600,
# root), from `hub access add-service SERVICE`. A service's own settings go in {CONFIG_ROOT}/<service>.env
# (sink-email.env: SMTP_HOST, HUB_SMTP_USERNAME, HUB_SMTP_PASSWORD; sink-webhook.env: each subscription's
# secret variable; sink-postgres.env: HUB_SINK_DSN).
HUB_KAFKA_BOOTSTRAP_SERVERS=kafka-1.mvd.kz:9093,kafka-2.mvd.kz:9093,kafka-3.mvd.kz:9093
HUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL
HUB_KAFKA_SASL_MECHANISM=SCRAM-SHA-512
HUB_KAFKA_SSL_CAFILE={CONFIG_ROOT}/kafka-ca.crt
HUB_REPLICATION_FACTOR=3
HUB_MIN_INSYNC_REPLICAS=2
HUB_METRICS_HOST=0.0.0.0
HUB_RUN_FILE=/nonexistent
"""


def systemd_units(hub_bin: str = "/opt/records-hub/bin/hub") -> dict[str, str]:
    """Return every service's unit file by file name, and the example of the settings file they share."""
    return {**{unit_name(service): unit_text(service, hub_bin) for service in SERVICES},
            "hub.env.example": SHARED_ENV_EXAMPLE}
