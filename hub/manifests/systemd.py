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
    return " ".join(arg.replace("/etc/hub/config", f"{CONFIG_ROOT}/{service.name}") for arg in service.args)


def unit_text(service: ServiceShape, hub_bin: str) -> str:
    """Return the unit of one service: settings from /etc/records-hub (hub.env, then the service's own .env with
    its principal and password file), state under /var/lib/records-hub/<service>."""
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
EnvironmentFile={CONFIG_ROOT}/hub.env
EnvironmentFile={CONFIG_ROOT}/{service.name}.env
Environment=HUB_DATA_DIR=/var/lib/{STATE_ROOT}/{service.name}
Environment=HUB_KAFKA_SASL_USERNAME={service.principal}
Environment=HUB_KAFKA_SASL_PASSWORD_FILE=%d/kafka-password
LoadCredential=kafka-password:{CONFIG_ROOT}/credentials/{service.principal}.password
ExecStart={hub_bin} {_args(service)}
Restart=always
RestartSec=5s
TimeoutStopSec=60s
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
MemoryHigh={_bytes(service.memory_request)}
MemoryMax={_bytes(service.memory_limit)}

[Install]
WantedBy=multi-user.target
"""


def _bytes(quantity: str) -> str:
    """Return a Kubernetes memory quantity (Mi, Gi) as systemd writes it (M, G: both base 1024)."""
    return quantity.removesuffix("i")


def systemd_units(hub_bin: str = "/opt/records-hub/bin/hub") -> dict[str, str]:
    """Return every service's unit file, by file name."""
    return {unit_name(service): unit_text(service, hub_bin) for service in SERVICES}
