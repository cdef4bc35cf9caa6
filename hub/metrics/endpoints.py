"""The HTTP endpoints a service serves on one port: /metrics (Prometheus), /healthz (alive) and /readyz (ready)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from hub.health import Health


def serve_endpoints(registry: CollectorRegistry, host: str, port: int, health: Health | None = None) -> int:
    """Serve the endpoints in a thread on host:port (0: any free port); return the bound port. Without a
    Health, /healthz and /readyz answer that the process serves."""
    server = ThreadingHTTPServer((host, port), _handler_of(registry, health))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="hub-endpoints", daemon=True).start()
    return server.server_address[1]


def _handler_of(registry: CollectorRegistry, health: Health | None) -> type[BaseHTTPRequestHandler]:
    class Endpoints(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._answer(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                alive, detail = health.alive() if health else (True, "the process serves")
                self._json(200 if alive else 503, {"alive": alive, "detail": detail})
            elif path == "/readyz":
                ready, conditions = health.ready() if health else (True, {})
                self._json(200 if ready else 503, {"ready": ready, "conditions": conditions})
            else:
                self._json(404, {"error": "not found: /metrics, /healthz and /readyz are served"})

        def _json(self, status: int, body: dict) -> None:
            self._answer(status, json.dumps(body).encode(), "application/json")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
            """Log nothing: probes and scrapes every few seconds would drown the service's log."""

    return Endpoints
