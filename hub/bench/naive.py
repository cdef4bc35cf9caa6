"""The baseline of the aggregator benchmark: a stock one-event-at-a-time Faust agent.

It does what the aggregator does for each event (decode, check, apply, a table write and a
change-log send), the way a first Faust agent would: one message per event, Faust's own
table write (a changelog message through Faust's buffer) and `await topic.send()`.
Run as `python -m hub.bench.naive` with the same HUB_ settings as `hub run`.
"""

from __future__ import annotations

import asyncio
import json
import time

import uvloop

from hub.domain.catalog import Catalog
from hub.domain.regions import REGION_CODES
from hub.domain.register import apply_event
from hub.domain.validation import EventRules
from hub.kafka.catalog_follower import CatalogFollower
from hub.kafka.topics import CHANGES, regional_events_topic
from hub.metrics.prometheus import PrometheusSensor, serve_metrics
from hub.services.app import HubWorker, build_app
from hub.services.refdata import codec_for
from hub.services.rejections import region_of_topic
from hub.settings import HubSettings


def main() -> None:
    """Run the naive agent until stopped."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    settings = HubSettings()
    sensor = PrometheusSensor()
    serve_metrics(sensor, settings.metrics_host, settings.metrics_port)
    codec, catalog = codec_for(settings), Catalog()
    follower = CatalogFollower(settings, codec, catalog)
    app = build_app(settings)
    names = [regional_events_topic(code).name(settings) for code in REGION_CODES]
    events = app.topic(*names, key_type=bytes, value_type=bytes)
    changes = app.topic(CHANGES.name(settings), key_type=bytes, value_type=bytes)
    table = app.Table("naive-register", default=None, partitions=settings.partitions, key_type=bytes,
                      value_type=bytes)

    rules = EventRules(catalog)

    @app.agent(events)
    async def aggregate(stream):
        await follower.ready()
        async for message in stream.events():
            region = region_of_topic(message.message.topic)
            event = codec.decode(message.value).value
            now_ms = int(time.time() * 1000)
            key = event["record_id"].encode()
            if rules.check(event, region, now_ms) is None:
                raw = table.get(key)
                decision = apply_event(json.loads(raw) if raw else None, event,
                                       catalog.passport(event["record_type"]), now_ms)
                if decision.outcome == "applied":
                    table[key] = json.dumps(decision.state).encode()
                    await changes.send(key=key, value=codec.encode("RegisterChange", decision.change))
            sensor.on_event(region, event["action"], "handled")

    HubWorker(app, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
