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

from connectors.metrics import NULL_CONNECTOR_SENSOR, ConnectorSensor
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
    """Delivers notifications to their unit's URL: one unit's in order, units side by side."""

    name = "webhook"

    def __init__(self, subscriptions: dict[str, Subscription], codec: AvroCodec, dead_letters: DeadLetters,
                 max_attempts: int = 6, backoff_s: float = 0.5, max_backoff_s: float = 60.0,
                 timeout_s: float = 10.0, ssl_context: ssl.SSLContext | None = None,
                 sensor: ConnectorSensor = NULL_CONNECTOR_SENSOR):
        """Deliver with these subscriptions; give up after max_attempts (backoff doubling from backoff_s)."""
        self.subscriptions, self.codec, self.dead_letters = subscriptions, codec, dead_letters
        self.max_attempts, self.backoff_s, self.max_backoff_s = max_attempts, backoff_s, max_backoff_s
        self.timeout_s, self.ssl_context, self.sensor = timeout_s, ssl_context, sensor
        self._session: aiohttp.ClientSession | None = None

    async def write(self, records: list[ConsumerRecord]) -> None:
        """Deliver a batch: records grouped by unit, each unit's in order."""
        by_unit: dict[str, list[ConsumerRecord]] = {}
        for record in records:
            by_unit.setdefault((record.key or b"").decode("utf-8", "replace"), []).append(record)
        await asyncio.gather(*(self._deliver_all(unit, items) for unit, items in by_unit.items()))

    async def _deliver_all(self, unit: str, records: list[ConsumerRecord]) -> None:
        subscription = self.subscriptions.get(unit)
        if subscription is None:
            return  # the unit reads its notifications elsewhere
        for record in records:
            await self.deliver(subscription, record)

    async def deliver(self, subscription: Subscription, record: ConsumerRecord) -> None:
        """POST one notification until it is accepted, refused for good, or attempts run out."""
        try:
            notification = self.codec.decode(record.value or b"", expect="Notification").value
        except CodecError as exc:
            await self.dead_letters.send(record, subscription.url, 0, "UNDECODABLE", str(exc))
            self.sensor.on_failed(1)
            return
        body = notification_json(notification)
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            status, error = await self._post(subscription, notification["notification_id"], body)
            if 200 <= status < 300:
                self.sensor.on_sent(1)
                return
            if status and status not in RETRIABLE_STATUSES:
                await self.dead_letters.send(record, subscription.url, attempt, "REFUSED", error)
                self.sensor.on_failed(1)
                return
            if attempt < self.max_attempts:
                self.sensor.on_retried(1)
                await asyncio.sleep(min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))
        await self.dead_letters.send(record, subscription.url, self.max_attempts, "UNREACHABLE", error)
        self.sensor.on_failed(1)

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
