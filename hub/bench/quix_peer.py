"""A peer of the aggregator built on Quix Streams, run in its own environment (.venv-quix) by the bench.

It reads the same single-event messages as the hub's worker and does the same work per event that
decides the register: decode, the hub's own checks (`EventRules.check`), the hub's own transition
(`apply_event`) on the record's state, and a state write per applied event into Quix's RocksDB store
(with its changelog topic). With `--changes` it also writes each applied change
to a change log topic, as the hub does (`RegisterChange` with the new state). It prints one JSON line:
events per second from its first handled event to its last, and its process's CPU time per event.
"""

from __future__ import annotations

import json
import sys
import time

import click

from hub.codec import AvroCodec, SchemaRegistry
from hub.domain.register import apply_event
from hub.domain.validation import EventRules, hinted
from hub.kafka.connection import connection_of
from hub.kafka.topics import EVENTS
from hub.refdata.load import starter_catalog
from hub.settings import HubSettings


class Meter:
    """Counts handled events and times them from the first to the last."""

    def __init__(self, expect: int, stop) -> None:
        """Call stop() once `expect` events are handled."""
        self.expect, self.stop, self.handled = expect, stop, 0
        self.first_s = self.last_s = self.first_cpu_s = self.last_cpu_s = 0.0

    def tick(self) -> None:
        """Count one handled event."""
        if self.handled == 0:
            self.first_s, self.first_cpu_s = time.monotonic(), time.process_time()
        self.handled += 1
        if self.handled == self.expect:
            self.last_s, self.last_cpu_s = time.monotonic(), time.process_time()
            self.stop()

    def figures(self) -> dict[str, float]:
        """Return events per second and CPU microseconds per event, over the events after the first."""
        done = max(self.handled - 1, 1)
        return {"events_per_s": round(done / max(self.last_s - self.first_s, 1e-9)),
                "cpu_us_per_event": round((self.last_cpu_s - self.first_cpu_s) / done * 1e6)}


def _as_is(value: bytes) -> bytes:
    return value


def quix_connection(settings: HubSettings):
    """Return Quix's connection settings for the hub's connection (TLS and SCRAM when it has them)."""
    from quixstreams.kafka.configuration import ConnectionConfig

    connection = connection_of(settings)
    options = {"bootstrap_servers": connection.bootstrap_servers,
               "security_protocol": connection.security_protocol}
    if connection.uses_sasl:
        options.update(sasl_mechanism=connection.sasl_mechanism, sasl_username=connection.username,
                       sasl_password=connection.password)
    if connection.uses_tls and connection.cafile is not None:
        options["ssl_ca_location"] = str(connection.cafile)
    return ConnectionConfig(**options)


@click.command()
@click.option("--expect", type=int, required=True, help="Events to handle before stopping.")
@click.option("--regions", required=True, help="Comma-separated regions whose events topics to read.")
@click.option("--changes", "changes_topic", help="Write each applied change to this topic, as the hub does.")
def main(expect: int, regions: str, changes_topic: str | None) -> None:
    """Handle `expect` single events of the settings' events topics with Quix Streams; print the figures."""
    from quixstreams import Application
    from quixstreams.state.rocksdb.options import RocksDBOptions

    settings = HubSettings()
    codec = AvroCodec(SchemaRegistry.from_dirs(settings.schemas_dir, settings.released_schemas_dir))
    catalog = starter_catalog(settings.refdata_dir)
    rules = EventRules(catalog)
    group = f"{settings.app_id}-quix" + ("-changes" if changes_topic else "")
    app = Application(broker_address=quix_connection(settings), consumer_group=group,
                      auto_offset_reset="earliest", state_dir=str(settings.data_dir / "quix-state"),
                      processing_guarantee="at-least-once", loglevel="WARNING",
                      rocksdb_options=RocksDBOptions(dumps=_as_is, loads=_as_is))  # states are Avro bytes
    meter = Meter(expect, app.stop)

    def handler(region: str):
        def handle(value: bytes, state) -> bytes | None:
            event = codec.decode(value, expect="RecordEvent").value
            now_ms = int(time.time() * 1000)
            change = None
            if rules.check(event, region, now_ms) is None:
                key = event["record_id"].encode()
                stored = state.get(key)
                current = None if stored is None else codec.decode(stored, expect="RegisterRecord").value
                decision = apply_event(current, event, catalog.passport(event["record_type"]), now_ms)
                if decision.outcome == "applied":
                    record = codec.encode("RegisterRecord", hinted(decision.state))
                    state.set(key, record)
                    if changes_topic:
                        change = codec.encode_with_last("RegisterChange", decision.change, record)
            meter.tick()
            return change
        return handle

    changes = app.topic(changes_topic, value_serializer="bytes", key_serializer="bytes") if changes_topic else None
    for region in regions.split(","):
        topic = app.topic(EVENTS.name(settings, region), value_deserializer="bytes", key_deserializer="bytes")
        frame = app.dataframe(topic).apply(handler(region), stateful=True)
        if changes is not None:
            frame.filter(lambda change: change is not None).to_topic(changes)
    app.run()
    print(json.dumps({"handled": meter.handled, **meter.figures()}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
