"""Email sink: each unit's notifications as letters in Kazakh, Russian and English, over SMTP with STARTTLS."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

import yaml
from aiokafka.structs import ConsumerRecord

from connectors.sensors import NULL_CONNECTOR_SENSOR, ConnectorSensor
from connectors.sinks.delivery import DELIVERED, Attempt, DeliveryPolicy
from connectors.sinks.runtime import DeadLetters
from hub.codec import AvroCodec
from hub.errors import CodecError, ConfigurationError

MESSAGE_ID_DOMAIN = "records-hub.mvd.kz"


@dataclass(frozen=True)
class SmtpServer:
    """Where letters go out: the server, its STARTTLS trust and the sender's login."""

    host: str
    port: int = 587
    sender: str = "records-hub@mvd.kz"
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    timeout_s: float = 30.0

    def tls_context(self) -> ssl.SSLContext:
        """Return the TLS context STARTTLS verifies the server with."""
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


def load_addresses(path: Path) -> dict[str, list[str]]:
    """Read `unit: [address, ...]` entries."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read email addresses {path}: {exc}") from exc
    addresses = {unit: [entry] if isinstance(entry, str) else list(entry) for unit, entry in raw.items()}
    bad = [unit for unit, entries in addresses.items() if not entries or not all("@" in a for a in entries)]
    if bad:
        raise ConfigurationError(f"{path}: no valid address for {', '.join(bad)}")
    return addresses


def letter(notification: dict[str, Any], sender: str, recipients: list[str]) -> EmailMessage:
    """Return the letter of a notification: the title and text in Kazakh, Russian and English."""
    message = EmailMessage()
    message["From"], message["To"] = sender, ", ".join(recipients)
    message["Subject"] = f"{notification['title_kk']} / {notification['title_ru']}"
    message["Message-ID"] = f"<{notification['notification_id']}@{MESSAGE_ID_DOMAIN}>"  # receivers drop replays
    message["Date"] = formatdate(notification["created_at"] / 1000, usegmt=True)
    details = "\n".join(f"{key}: {value}" for key, value in sorted(notification["attributes"].items()))
    message.set_content("\n\n".join([
        f"{notification['title_kk']}\n{notification['text_kk']}",
        f"{notification['title_ru']}\n{notification['text_ru']}",
        f"{notification['title_en']}\n{notification['text_en']}",
        f"{details}\nnotification_id: {notification['notification_id']}"]))
    return message


class EmailSink:
    """Sends each notification of a unit with addresses as one letter; retries, then dead-letters."""

    name = "email"

    def __init__(self, server: SmtpServer, addresses: dict[str, list[str]], codec: AvroCodec,
                 dead_letters: DeadLetters, max_attempts: int = 5, backoff_s: float = 1.0,
                 max_backoff_s: float = 120.0, sensor: ConnectorSensor = NULL_CONNECTOR_SENSOR,
                 breaker_failures: int = 5, breaker_open_s: float = 60.0, max_hold_s: float = 1_800.0,
                 queue_bound: int = 1_000):
        """Send through `server` to `addresses` by unit."""
        self.server, self.addresses, self.codec, self.dead_letters = server, addresses, codec, dead_letters
        self.policy = DeliveryPolicy(max_attempts, backoff_s, max_backoff_s, breaker_failures, breaker_open_s,
                                     max_hold_s, queue_bound)
        self.sensor = sensor

    def route(self, record: ConsumerRecord) -> str | None:
        """Return the unit a notification goes to, when it has addresses here."""
        unit = (record.key or b"").decode("utf-8", "replace")
        return unit if self.addresses.get(unit) else None

    def target(self, receiver: str) -> str:
        """Return the unit's addresses."""
        return ", ".join(self.addresses[receiver])

    async def attempt(self, receiver: str, record: ConsumerRecord) -> Attempt:
        """Send one notification's letter once."""
        try:
            notification = self.codec.decode(record.value or b"", expect="Notification").value
        except CodecError as exc:
            return Attempt("UNDECODABLE", str(exc))
        message = letter(notification, self.server.sender, self.addresses[receiver])
        try:
            await asyncio.to_thread(self._submit, message)
            return DELIVERED
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError,
                smtplib.SMTPAuthenticationError) as exc:
            return Attempt("REFUSED", repr(exc))
        except (smtplib.SMTPException, OSError) as exc:
            return Attempt("RETRY", repr(exc))

    def _submit(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.server.host, self.server.port, timeout=self.server.timeout_s) as smtp:
            smtp.starttls(context=self.server.tls_context())  # never sent in the clear
            if self.server.username:
                smtp.login(self.server.username, self.server.password or "")
            smtp.send_message(message)
