"""Parts of the fault test: supervised workers, a webhook receiver, paced check requests, and group lag."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from hub.bench.common import paced
from hub.cli.checks import request_of
from hub.domain.regions import scope_of_unit_code
from hub.kafka.admin import admin_client
from hub.kafka.producer import make_producer
from hub.kafka.reader import end_offsets_of
from hub.kafka.topics import CHECK_REQUESTS
from hub.settings import HubSettings
from tests.integration.fault_model import Check
from tests.integration.helpers import REPO, Worker, settings_env

CLEARANCE = {"KZ-71-CP": "SECRET", "KZ-71-LP": "OFFICIAL_USE"}  # the units book's, asked in full
SECRET_ENV = "HUB_FAULT_WEBHOOK_SECRET"


class Supervisor:
    """Starts again any worker that exits by itself, as ./deploy/up does; counts how many it started again."""

    def __init__(self) -> None:
        """Supervise nothing yet."""
        self.workers: dict[str, tuple[Worker | subprocess.Popen, Callable[[], object]]] = {}
        self.restarts: Counter = Counter()

    def start(self, name: str, factory: Callable[[], object]) -> None:
        """Start a worker under a name, with the factory that starts it again."""
        self.workers[name] = (factory(), factory)

    def tend(self) -> None:
        """Start again every worker that exited."""
        for name, (worker, factory) in list(self.workers.items()):
            process = worker.proc if isinstance(worker, Worker) else worker
            if process.poll() is not None:
                self.workers[name] = (factory(), factory)
                self.restarts[name] += 1

    def kill(self, name: str) -> None:
        """SIGKILL a worker; the next tend() starts it again."""
        self.workers[name][0].kill()

    def retire(self, name: str) -> None:
        """Stop a worker cleanly and leave it stopped."""
        worker, _ = self.workers.pop(name)
        if isinstance(worker, Worker):
            worker.stop()
        else:
            worker.terminate()
            worker.wait(timeout=30)

    def stop_all(self) -> None:
        """Stop every worker (SIGTERM, then SIGKILL)."""
        for name in list(self.workers):
            self.retire(name)


def start_sink(settings: HubSettings, subscriptions: Path, log_path: Path) -> subprocess.Popen:
    """Start `hub sink webhook` as the operator, delivering to the test's receiver."""
    env = {**settings_env(settings), SECRET_ENV: "fault-test-secret"}
    return subprocess.Popen([sys.executable, "-m", "hub", "sink", "webhook", "--subscriptions", str(subscriptions),
                             "--max-attempts", "20", "--backoff-s", "0.2"], cwd=REPO, env=env,
                            stdout=open(log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True)


class Receiver:
    """The units' webhook endpoint: keeps every notification delivered, by its Idempotency-Key."""

    def __init__(self) -> None:
        """Listen on a free port of 127.0.0.1 in a thread."""
        received: dict[str, dict] = {}
        deliveries: Counter = Counter()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key") or ""
                received[key] = json.loads(body)
                deliveries[key] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.received, self.deliveries = received, deliveries
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscriptions(self, units: list[str], path: Path) -> Path:
        """Write the sink's subscriptions of these units to this receiver."""
        path.write_text("".join(f"{unit}: {{url: 'http://127.0.0.1:{self.port}/units/{unit}', "
                                f"secret_env: {SECRET_ENV}}}\n" for unit in units), encoding="utf-8")
        return path

    def notices(self, check_ids: set[str]) -> set[tuple[str, str, str]]:
        """Return (kind, check id, recipient) of the notifications about these checks delivered so far."""
        return {(n["kind"], n["check_id"], n["recipient_unit"]) for n in list(self.received.values())
                if n.get("check_id") in check_ids}

    def stop(self) -> None:
        """Stop listening."""
        self.server.shutdown()


class CheckSender:
    """Sends the plan's checks at a steady rate in a thread, each to its requester's request topic."""

    def __init__(self, settings: HubSettings, codec, checks: list[Check], per_s: float):
        """Send `checks` at per_s a second once started."""
        self.settings, self.codec, self.checks, self.per_s = settings, codec, checks, per_s
        self.sent = 0
        self.thread = threading.Thread(target=lambda: asyncio.run(self._send()), daemon=True)

    async def _send(self) -> None:
        producer = make_producer(self.settings, linger_ms=5)
        await producer.start()
        try:
            async for check in paced(self.checks, self.per_s):
                options = {"unit": check.requester, "officer": "710001", "clearance": CLEARANCE[check.requester],
                           "purpose": "Тексеру / проверка", "legal_ground": "ст. 11 Закона РК «Об ОРД»"}
                request = {**request_of("kz.mvd.records.PersonSubject", check.subject, options),
                           "check_id": check.check_id}
                topic = CHECK_REQUESTS.name(self.settings, scope_of_unit_code(check.requester))
                await producer.send(topic, self.codec.encode("CheckRequest", request), key=check.check_id.encode())
                self.sent += 1
            await producer.flush()
        finally:
            await producer.stop()


async def group_lag(settings: HubSettings, group: str, topics: list[str]) -> int:
    """Return how many messages of these topics a consumer group has not committed yet."""
    admin = admin_client(settings)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    lag = 0
    for topic in topics:
        for partition, end in (await end_offsets_of(settings, topic)).items():
            done = next((meta.offset for tp, meta in committed.items()
                         if tp.topic == topic and tp.partition == partition and meta is not None), 0)
            lag += max(0, end - max(done, 0))
    return lag


def wait_until(condition: Callable[[], bool], timeout_s: float, tend: Callable[[], None], poll_s: float = 1.0) -> bool:
    """Wait until condition() holds (tending the workers meanwhile); tell whether it did."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        tend()
        if condition():
            return True
        time.sleep(poll_s)
    return condition()


def log_tails(folder: Path, lines: int = 25) -> str:
    """Return the last lines of every worker log in a folder, for a failure's message."""
    return "\n".join(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
                     for path in sorted(folder.glob("*.log")) if os.path.getsize(path))
