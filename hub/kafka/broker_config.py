"""server.properties of a local KRaft node: SASL_SSL (SCRAM-SHA-512) for clients and brokers, mutual TLS for
the controllers, and the StandardAuthorizer with no access unless an ACL grants it."""

from __future__ import annotations

from dataclasses import dataclass

from hub.kafka.connection import SCRAM_LOGIN
from hub.kafka.tls import NODE_NAME, TlsFiles

ADMIN_USER = "admin"  # the operator's principal, made at format time (KIP-900) and a super user
MECHANISM = "SCRAM-SHA-512"
AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


@dataclass
class NodeSpec:
    """One KRaft node: its id, ports, folder and (once started) process id; plain_port is a benchmark's
    plaintext listener (None: there is none)."""

    node_id: int
    broker_port: int
    controller_port: int
    directory: str
    pid: int | None = None
    plain_port: int | None = None


def listeners(node: NodeSpec) -> tuple[str, str, str]:
    """Return the node's listeners, advertised listeners and listener security protocol map."""
    bound = [f"BROKER://127.0.0.1:{node.broker_port}", f"CONTROLLER://127.0.0.1:{node.controller_port}"]
    advertised = [f"BROKER://127.0.0.1:{node.broker_port}"]
    protocols = ["BROKER:SASL_SSL", "CONTROLLER:SSL"]
    if node.plain_port is not None:
        bound.append(f"PLAIN://127.0.0.1:{node.plain_port}")
        advertised.append(f"PLAIN://127.0.0.1:{node.plain_port}")
        protocols.append("PLAIN:PLAINTEXT")
    return ",".join(bound), ",".join(advertised), ",".join(protocols)


def security_properties(tls: TlsFiles, admin_password: str, plaintext: bool) -> dict[str, object]:
    """Return the security part of server.properties (the admin's password is in it: the file is 0600)."""
    super_users = [f"User:{ADMIN_USER}", f"User:{NODE_NAME}"] + (["User:ANONYMOUS"] if plaintext else [])
    return {
        "sasl.enabled.mechanisms": MECHANISM,
        "sasl.mechanism.inter.broker.protocol": MECHANISM,
        f"listener.name.broker.{MECHANISM.lower()}.sasl.jaas.config":
            f'{SCRAM_LOGIN} required username="{ADMIN_USER}" password="{admin_password}";',
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": tls.node,
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": tls.ca,
        "listener.name.controller.ssl.client.auth": "required",
        "ssl.principal.mapping.rules": "RULE:^CN=([^,]+)$/$1/,DEFAULT",
        "authorizer.class.name": AUTHORIZER,
        "allow.everyone.if.no.acl.found": "false",
        "super.users": ";".join(super_users),
    }


def server_properties(node: NodeSpec, nodes: list[NodeSpec], tls: TlsFiles, admin_password: str) -> str:
    """Return server.properties of one combined broker and controller node."""
    replication = min(3, len(nodes))
    min_isr = 2 if len(nodes) >= 3 else 1
    bound, advertised, protocols = listeners(node)
    lines = {
        "process.roles": "broker,controller",
        "node.id": node.node_id,
        "controller.quorum.voters": ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes),
        "listeners": bound,
        "advertised.listeners": advertised,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "BROKER",
        "listener.security.protocol.map": protocols,
        **security_properties(tls, admin_password, node.plain_port is not None),
        "log.dirs": f"{node.directory}/data",
        "num.partitions": 1,
        "default.replication.factor": replication,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replication,
        "offsets.topic.num.partitions": 10,
        "transaction.state.log.replication.factor": replication,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replication,
        "share.coordinator.state.topic.min.isr": min_isr,
        "group.initial.rebalance.delay.ms": 0,
        "auto.create.topics.enable": "false",
        "log.segment.bytes": 64 * 1024 * 1024,
        "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024,
        "message.max.bytes": 8 * 1024 * 1024,
    }
    return "".join(f"{k}={_escape(v)}\n" for k, v in lines.items())


def _escape(value: object) -> str:
    """Escape a value for a Java properties file (backslashes, as in the principal mapping rule's $)."""
    return str(value).replace("\\", "\\\\")
