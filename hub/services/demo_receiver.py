"""The demo's receiving side of the webhook sink: units' systems that take notifications, one always down."""

from __future__ import annotations

import logging
import random

from aiohttp import web

log = logging.getLogger(__name__)
DOWN_UNITS = frozenset({"KZ-71-LP"})  # a unit whose system is down: its notifications end as dead letters
FLAKY_SHARE = 0.1  # the share of deliveries the other systems answer 503 to at first


class DemoReceiver:
    """Accepts POST /units/UNIT: 503 for a unit that is down and for some others at random, else 200."""

    def __init__(self, host: str, port: int, seed: int = 577):
        """Listen on host:port (0: any free port) once started."""
        self.host, self.port, self.rng = host, port, random.Random(seed)
        self.received = self.refused = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start serving; return the bound port."""
        app = web.Application()
        app.router.add_post("/units/{unit}", self._take)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.port

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _take(self, request: web.Request) -> web.Response:
        await request.read()
        if request.match_info["unit"] in DOWN_UNITS or self.rng.random() < FLAKY_SHARE:
            self.refused += 1
            return web.Response(status=503, text="busy")
        self.received += 1
        return web.Response(status=200, text="ok")


def subscriptions_yaml(units: list[str], port: int, secret_env: str) -> str:
    """Return the webhook sink's subscriptions file for units served by a demo receiver on port."""
    return "".join(f"{unit}: {{url: 'http://127.0.0.1:{port}/units/{unit}', secret_env: {secret_env}}}\n"
                   for unit in units)
