"""Real servers for the sinks' tests: a self-signed certificate, an SMTP server with STARTTLS, an HTTPS receiver."""

from __future__ import annotations

import asyncio
import json
import mailbox
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from hub.kafka.local_broker import free_port


class SmtpServer:
    """aiosmtpd in a process of its own, requiring STARTTLS, delivering into a maildir."""

    def __init__(self, directory: Path, cert: Path, key: Path):
        """Listen on a free port of 127.0.0.1."""
        self.port, self.maildir = free_port(), directory / "maildir"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}", "--tlscert", str(cert),
             "--tlskey", str(key), "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=open(directory / "smtp.log", "wb"))
        deadline = time.monotonic() + 20
        while not self._listening():
            assert time.monotonic() < deadline and self.proc.poll() is None, "the SMTP server did not start"
            time.sleep(0.1)

    def _listening(self) -> bool:
        import socket
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def messages(self) -> list:
        """Return the letters delivered so far."""
        return list(mailbox.Maildir(str(self.maildir), create=False)) if self.maildir.exists() else []

    def stop(self) -> None:
        """Stop the server."""
        self.proc.terminate()
        self.proc.wait(timeout=10)


@dataclass
class Receiver:
    """What an HTTPS webhook receiver got, and how it answers: per path, a list of statuses to give first."""

    received: list[dict] = field(default_factory=list)
    scripted: dict[str, list[int]] = field(default_factory=dict)
    always: dict[str, int] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)  # paths that take the request and never answer

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        path = request.path
        if path in self.hang:
            await asyncio.sleep(3600)
        if path in self.always:
            return web.Response(status=self.always[path], text="refused")
        key = f"{path}|{request.headers.get('Idempotency-Key')}"
        script = self.scripted.setdefault(key, list(self.scripted.get(path, [])))
        if script:
            return web.Response(status=script.pop(0), text="busy")
        self.received.append({"path": path, "headers": dict(request.headers), "body": body,
                              "json": json.loads(body)})
        return web.Response(status=204)


async def start_receiver(receiver: Receiver, cert: Path, key: Path) -> tuple[web.AppRunner, int]:
    """Serve the receiver over HTTPS on a free port of 127.0.0.1; return the runner and the port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    app = web.Application()
    app.router.add_post("/{tail:.*}", receiver.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)  # a hanging handler is not waited for
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
    return runner, port


def run_in_loop(coroutine):
    """Run a coroutine to completion in a new event loop."""
    return asyncio.run(coroutine)
