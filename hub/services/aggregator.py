"""The aggregator: regional events in, central register, change log and rejections out."""

from __future__ import annotations

import faust

from hub.codec import AvroCodec
from hub.errors import CodecError
from hub.kafka.topics import REJECTED, regional_events_topic
from hub.domain.regions import REGION_CODES
from hub.sensors import Sensor
from hub.settings import HubSettings


def install_aggregator(app: faust.App, settings: HubSettings, codec: AvroCodec, sensor: Sensor) -> None:
    """Register the aggregator agent on every regional events topic."""
    names = [regional_events_topic(code).name(settings) for code in REGION_CODES]
    events = app.topic(*names, key_type=bytes, value_type=bytes, acks=True)
    rejected = app.topic(REJECTED.name(settings), key_type=bytes, value_type=bytes)

    @app.agent(events, concurrency=1)
    async def aggregate(stream):
        async for event in stream.events():
            region = event.message.topic.rsplit(".", 1)[-1].upper()
            try:
                decoded = codec.decode(event.value, expect="RecordEvent")
            except CodecError as exc:
                sensor.on_event(region, "UNKNOWN", "rejected")
                sensor.on_rejection(exc.code)
                await rejected.send(key=event.message.topic.encode(), value=event.value)
                continue
            sensor.on_event(region, decoded.value["action"], "applied")
