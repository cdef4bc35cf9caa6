"""Waiting until a Kafka cluster answers metadata requests with all its brokers."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Callable

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

from hub.errors import BrokerError, LocalBrokerError


async def broker_count(options: dict, request_timeout_s: float = 5.0) -> int:
    """Return how many brokers the cluster's metadata lists, connecting with aiokafka options
    (hub.kafka.connection.aiokafka_options)."""
    client = AIOKafkaClient(**options, request_timeout_ms=int(request_timeout_s * 1000))
    try:
        await client.bootstrap()
        await client.force_metadata_update()
        return len(client.cluster.brokers())
    except (KafkaError, OSError) as exc:
        raise BrokerError(f"no answer from {options['bootstrap_servers']}: {exc}") from exc
    finally:
        await client.close()


def wait_for_brokers(options: dict, expected: int, timeout_s: float,
                     alive: Callable[[], bool] = lambda: True) -> None:
    """Block until the metadata lists `expected` brokers, or raise after timeout_s."""
    deadline = time.monotonic() + timeout_s
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if not alive():
            raise LocalBrokerError("a broker process exited while starting")
        if not _any_port_open(options["bootstrap_servers"]):
            time.sleep(0.2)  # not listening yet: aiokafka would log each refused connection as an error
            continue
        try:
            if asyncio.run(broker_count(options)) >= expected:
                return
            last_error = "not every broker registered yet"
        except BrokerError as exc:
            last_error = str(exc)
        time.sleep(0.5)
    raise LocalBrokerError(f"brokers at {options['bootstrap_servers']} not ready in {timeout_s:.0f} s: {last_error}")


def _any_port_open(bootstrap_servers: str) -> bool:
    """Tell whether any bootstrap address accepts a TCP connection."""
    for address in bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1.0):
                return True
        except (OSError, ValueError):
            continue
    return False
