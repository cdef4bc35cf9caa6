"""Helpers of integration tests: run `hub run` as a real worker, read topics to the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hub.codec import AvroCodec
from hub.kafka.connection import make_consumer
from hub.kafka.reader import READ_FETCH_MAX_WAIT_MS, assign_from_start
from hub.settings import HubSettings

REPO = Path(__file__).resolve().parents[2]


def settings_env(settings: HubSettings) -> dict[str, str]:
    """Return the environment that gives a child process these settings (those given, not the defaults, so
    that a client properties file still fills every Kafka setting not given)."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")}, **settings.as_env()}


class Worker:
    """A `hub run` process with the test's settings; stopped with SIGTERM (or killed)."""

    def __init__(self, settings: HubSettings, log_path: Path, service: str = "all"):
        """Start the worker (`hub run --service SERVICE`)."""
        self.log_path, self.service = log_path, service
        self.proc = subprocess.Popen([sys.executable, "-m", "hub", "run", "--service", service], cwd=REPO, env=settings_env(settings),
                                     stdout=open(log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def restart_if_exited(self, settings: HubSettings) -> bool:
        """Start the worker again if it exited by itself (as a supervisor would); tell whether it did."""
        if self.proc.poll() is None:
            return False
        self.restarts = getattr(self, "restarts", 0) + 1
        self.__init__(settings, self.log_path, self.service)
        return True

    def stop(self) -> None:
        """Stop gracefully, then kill after 30 s."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def dump_tasks(self, wait_s: float = 2.0) -> None:
        """Have the worker log the stack of every thread and asyncio task (its SIGUSR1), for a failure report."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGUSR1)
            time.sleep(wait_s)

    def kill(self) -> None:
        """SIGKILL the worker at once."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


async def read_topic(settings: HubSettings, topic: str, expect: int, timeout_s: float = 60.0,
                     quiet_s: float = 3.0) -> list:
    """Read a topic from the start until `expect` records arrived and nothing more came for quiet_s."""
    consumer = make_consumer(settings, enable_auto_commit=False, fetch_max_wait_ms=READ_FETCH_MAX_WAIT_MS)
    await consumer.start()
    try:
        partitions = await assign_from_start(consumer, settings, [topic])
        assert partitions, f"topic {topic} has no partitions"
        records, deadline, last_new = [], time.monotonic() + timeout_s, time.monotonic()
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records += part
                last_new = time.monotonic()
            if len(records) >= expect and time.monotonic() - last_new >= quiet_s:
                break
        return records
    finally:
        await consumer.stop()


def decode_all(codec: AvroCodec, records: list, schema: str) -> list[dict]:
    """Decode the values of records (tombstones become None)."""
    return [None if r.value is None else codec.decode(r.value, expect=schema).value for r in records]


async def read_until(settings: HubSettings, topic: str, done, timeout_s: float = 60.0) -> list:
    """Read a topic from the start until done(records) holds; fail after timeout_s."""
    consumer = make_consumer(settings, enable_auto_commit=False, fetch_max_wait_ms=READ_FETCH_MAX_WAIT_MS)
    await consumer.start()
    try:
        await assign_from_start(consumer, settings, [topic])
        records, deadline = [], time.monotonic() + timeout_s
        while not done(records):
            assert time.monotonic() < deadline, f"{topic}: condition not met in {timeout_s} s ({len(records)} read)"
            for part in (await consumer.getmany(timeout_ms=500)).values():
                records += part
        return records
    finally:
        await consumer.stop()
