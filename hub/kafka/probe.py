"""Waiting until a Kafka cluster answers metadata requests with all its brokers."""

from __future__ import annotations

import asyncio
import time
from typing import Callable

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

from hub.errors import BrokerError, LocalBrokerError


async def broker_count(bootstrap_servers: str, request_timeout_s: float = 5.0) -> int:
    """Return how many brokers the cluster's metadata lists."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers,
                            request_timeout_ms=int(request_timeout_s * 1000))
    try:
        await client.bootstrap()
        await client.force_metadata_update()
        return len(client.cluster.brokers())
    except (KafkaError, OSError) as exc:
        raise BrokerError(f"no answer from {bootstrap_servers}: {exc}") from exc
    finally:
        await client.close()


def wait_for_brokers(bootstrap_servers: str, expected: int, timeout_s: float,
                     alive: Callable[[], bool] = lambda: True) -> None:
    """Block until the metadata lists `expected` brokers, or raise after timeout_s."""
    deadline = time.monotonic() + timeout_s
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if not alive():
            raise LocalBrokerError("a broker process exited while starting")
        try:
            if asyncio.run(broker_count(bootstrap_servers)) >= expected:
                return
            last_error = "not every broker registered yet"
        except BrokerError as exc:
            last_error = str(exc)
        time.sleep(0.5)
    raise LocalBrokerError(f"brokers at {bootstrap_servers} not ready in {timeout_s:.0f} s: {last_error}")
