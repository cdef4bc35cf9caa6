"""Webhook sink: each unit's notifications POSTed as signed JSON, retried with backoff, dead-lettered at last."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiokafka.structs import ConsumerRecord

from connectors.sensors import NULL_CONNECTOR_SENSOR, ConnectorSensor
from connectors.sinks.delivery import DELIVERED, Attempt, DeliveryPolicy
from connectors.sinks.runtime import DeadLetters
from hub.codec import AvroCodec
from hub.errors import CodecError, ConfigurationError

SIGNATURE_HEADER = "X-Hub-Signature-256"
RETRIABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """Return the signature header value: HMAC-SHA256 of "timestamp.body" with the unit's secret."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: bytes, timestamp: str, body: bytes, header: str, max_age_s: float = 300.0,
           now_s: float | None = None) -> bool:
    """Tell whether a received webhook is authentic and fresh (what a receiving system should check)."""
    fresh = abs((now_s if now_s is not None else time.time()) - float(timestamp)) <= max_age_s
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), header)


@dataclass(frozen=True)
class Subscription:
    """Where a unit wants its notifications, and the secret that signs them."""

    unit: str
    url: str
    secret: bytes


def load_subscriptions(path: Path) -> dict[str, Subscription]:
    """Read `unit: {url, secret_env}` entries; each secret comes from the environment variable named."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read webhook subscriptions {path}: {exc}") from exc
    subscriptions = {}
    for unit, entry in raw.items():
        if not isinstance(entry, dict) or not str(entry.get("url", "")).startswith(("https://", "http://")):
            raise ConfigurationError(f"{path}: {unit} needs a url")
        secret = os.environ.get(entry.get("secret_env", ""), "")
        if not secret:
            raise ConfigurationError(f"{path}: the secret of {unit} is not set (environment {entry.get('secret_env')})")
        subscriptions[unit] = Subscription(unit, entry["url"], secret.encode())
    return subscriptions


class WebhookSink:
    """Delivers notifications to their unit's URL: one unit's in order, units side by side (connectors.sinks.
    delivery runs the queues, retries, breakers and dead letters)."""

    name = "webhook"

    def __init__(self, subscriptions: dict[str, Subscription], codec: AvroCodec, dead_letters: DeadLetters,
                 max_attempts: int = 6, backoff_s: float = 0.5, max_backoff_s: float = 60.0,
                 timeout_s: float = 10.0, ssl_context: ssl.SSLContext | None = None,
                 sensor: ConnectorSensor = NULL_CONNECTOR_SENSOR, breaker_failures: int = 5,
                 breaker_open_s: float = 30.0, max_hold_s: float = 600.0, queue_bound: int = 1_000):
        """Deliver with these subscriptions; give up after max_attempts (backoff doubling from backoff_s), or
        after max_hold_s behind a receiver's open breaker."""
        self.subscriptions, self.codec, self.dead_letters = subscriptions, codec, dead_letters
        self.policy = DeliveryPolicy(max_attempts, backoff_s, max_backoff_s, breaker_failures, breaker_open_s,
                                     max_hold_s, queue_bound)
        self.timeout_s, self.ssl_context, self.sensor = timeout_s, ssl_context, sensor
        self._session: aiohttp.ClientSession | None = None

    def route(self, record: ConsumerRecord) -> str | None:
        """Return the unit a notification goes to, when it has a subscription here."""
        unit = (record.key or b"").decode("utf-8", "replace")
        return unit if unit in self.subscriptions else None

    def target(self, receiver: str) -> str:
        """Return the unit's URL."""
        return self.subscriptions[receiver].url

    async def attempt(self, receiver: str, record: ConsumerRecord) -> Attempt:
        """POST one notification once."""
        try:
            notification = self.codec.decode(record.value or b"", expect="Notification").value
        except CodecError as exc:
            return Attempt("UNDECODABLE", str(exc))
        status, error = await self._post(self.subscriptions[receiver], notification["notification_id"],
                                         notification_json(notification))
        if 200 <= status < 300:
            return DELIVERED
        return Attempt("RETRY" if not status or status in RETRIABLE_STATUSES else "REFUSED", error)

    async def _post(self, subscription: Subscription, notification_id: str, body: bytes) -> tuple[int, str]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": notification_id,
                   "X-Hub-Timestamp": timestamp, SIGNATURE_HEADER: sign(subscription.secret, timestamp, body)}
        try:
            async with self._session.post(subscription.url, data=body, headers=headers,
                                          ssl=self.ssl_context if self.ssl_context is not None else True) as reply:
                return reply.status, f"{reply.status} {reply.reason}: {(await reply.text())[:500]}"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return 0, f"{type(exc).__name__}: {exc}"

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def notification_json(notification: dict[str, Any]) -> bytes:
    """Return a notification as the JSON body the webhook sends (UTF-8, keys sorted)."""
    return json.dumps(notification, ensure_ascii=False, sort_keys=True).encode("utf-8")
