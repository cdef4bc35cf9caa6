"""Applying the access plan to the broker: ACLs made equal to the plan, SCRAM credentials made or rotated, and
each principal's client properties file written with mode 0600."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.errors import KafkaError

from hub.errors import AccessError
from hub.kafka import _protocol
from hub.kafka.acl_plan import USER, Grant, is_hub_owned
from hub.kafka.admin import admin_client
from hub.kafka.connection import Connection, client_properties_text, connection_of
from hub.kafka.tls import write_private
from hub.settings import HubSettings

SCRAM_ITERATIONS = 8192  # Kafka's minimum is 4096
SALT_BYTES = 32
ANY_HOST = "*"


@dataclass
class SyncReport:
    """What a sync did: bindings created and deleted, and how many were already right."""

    created: list[_protocol.AclRow] = field(default_factory=list)
    deleted: list[_protocol.AclRow] = field(default_factory=list)
    kept: int = 0

    def as_json(self) -> dict:
        """Return the report as JSON-ready data."""
        return {"created": [_row_text(r) for r in self.created], "deleted": [_row_text(r) for r in self.deleted],
                "kept": self.kept}


def _row_text(row: _protocol.AclRow) -> str:
    resource, name, pattern, principal, _, operation, permission = row
    return f"{principal} {permission} {operation} {resource} {name}{'*' if pattern == 'PREFIXED' else ''}"


def binding_rows(plan: dict[str, list[Grant]]) -> set[_protocol.AclRow]:
    """Return the plan as broker ACL bindings: ALLOW from any host."""
    return {(g.resource_type, g.name, g.pattern, USER + user, ANY_HOST, g.operation, "ALLOW")
            for user, grants in plan.items() for g in grants}


def differences(wanted: set[_protocol.AclRow], present: list[_protocol.AclRow]) -> SyncReport:
    """Return what to create and delete so that the hub's principals hold exactly the wanted bindings (others
    are left as they are)."""
    ours = {row for row in present if row[3].startswith(USER) and is_hub_owned(row[3][len(USER):])}
    return SyncReport(created=sorted(wanted - ours), deleted=sorted(ours - wanted), kept=len(wanted & ours))


async def sync_acls(settings: HubSettings, plan: dict[str, list[Grant]], dry_run: bool = False) -> SyncReport:
    """Make the broker's ACLs of the hub's principals equal to the plan; return what changed."""
    async with _admin(settings) as admin:
        present = _protocol.described_rows(await _protocol.send(admin, _protocol.DescribeAcls()))
        report = differences(binding_rows(plan), present)
        if not dry_run and report.created:
            response = await _protocol.send(admin, _protocol.CreateAcls(report.created))
            _protocol.raise_for_results([(r[0], r[1]) for r in response.creation_responses])
        if not dry_run and report.deleted:
            response = await _protocol.send(admin, _protocol.DeleteAcls(report.deleted))
            _protocol.raise_for_results([(r[0], r[1]) for r in response.filter_responses])
        return report


async def scram_users(settings: HubSettings) -> set[str]:
    """Return the users that have a SCRAM credential on the cluster."""
    async with _admin(settings) as admin:
        response = await _protocol.send(admin, _protocol.DescribeScramUsers())
        _protocol.raise_for_results([(response.error_code, response.error_message)])
        return {user for user, code, _, infos, *_ in response.results if code == 0 and infos}


def salted_password(password: str, salt: bytes, iterations: int, mechanism: str) -> bytes:
    """Return SCRAM's SaltedPassword, Hi(password, salt, i) of RFC 5802: what the broker stores keys from."""
    digest = {"SCRAM-SHA-512": "sha512", "SCRAM-SHA-256": "sha256"}[mechanism]
    return hashlib.pbkdf2_hmac(digest, password.encode("utf-8"), salt, iterations)


async def set_password(settings: HubSettings, user: str, password: str, mechanism: str) -> None:
    """Make or replace a user's SCRAM credential (the broker receives only the salted password)."""
    salt = secrets.token_bytes(SALT_BYTES)
    upsert = (user, mechanism, SCRAM_ITERATIONS, salt, salted_password(password, salt, SCRAM_ITERATIONS, mechanism))
    async with _admin(settings) as admin:
        response = await _protocol.send(admin, _protocol.AlterScramUsers([upsert], []))
        _protocol.raise_for_results([(code, message) for _, code, message, _ in response.results])


async def delete_user(settings: HubSettings, user: str, mechanism: str) -> None:
    """Remove a user's SCRAM credential: its clients can no longer authenticate."""
    async with _admin(settings) as admin:
        response = await _protocol.send(admin, _protocol.AlterScramUsers([], [(user, mechanism)]))
        _protocol.raise_for_results([(code, message) for _, code, message, _ in response.results])


def properties_path(settings: HubSettings, user: str) -> Path:
    """Return where a principal's client properties file is written."""
    return settings.credentials_dir / f"{user}.properties"


async def issue_credential(settings: HubSettings, user: str, output: Path | None = None) -> Path:
    """Give a user a new random password and write its client properties file (mode 0600); return its path."""
    admin = connection_of(settings)
    mechanism = admin.sasl_mechanism or "SCRAM-SHA-512"
    password = secrets.token_urlsafe(32)
    await set_password(settings, user, password, mechanism)
    path = output or properties_path(settings, user)
    connection = Connection(admin.bootstrap_servers, admin.security_protocol, mechanism, user, password,
                            admin.cafile)
    write_private(path, client_properties_text(connection).encode())
    return path


class _admin:
    """A started admin client whose Kafka errors come out as AccessError."""

    def __init__(self, settings: HubSettings):
        self.client = admin_client(settings)

    async def __aenter__(self):
        try:
            await self.client.start()
        except KafkaError as exc:
            raise AccessError(f"cannot reach the broker to manage access: {exc}") from exc
        return self.client

    async def __aexit__(self, kind, exc, tb) -> None:
        await self.client.close()
        if isinstance(exc, KafkaError):
            raise AccessError(f"the broker refused an access change: {exc}") from exc
