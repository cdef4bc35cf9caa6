"""`hub outbox-relay`: run a regional database's outbox relay (graceful on SIGTERM, metrics served)."""

from __future__ import annotations

import asyncio
import json
import signal

import click

from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)


@click.command("outbox-relay")
@click.option("--dsn", envvar="HUB_OUTBOX_DSN", required=True,
              help="PostgreSQL DSN of the regional database holding hub_outbox [HUB_OUTBOX_DSN].")
@click.option("--region", required=True, help="Region whose register the database is (e.g. KZ-75).")
@click.option("--batch-rows", default=2000, show_default=True, help="Rows sent and marked together.")
@click.option("--poll-interval-s", default=0.2, show_default=True, help="Wait between looks at an empty outbox.")
@click.option("--create-table", is_flag=True, help="Create hub_outbox (outbox.sql) first if it is missing.")
@click.option("--until-empty", is_flag=True, help="Stop once no unsent row is left, and print a JSON summary.")
@pass_settings
def outbox_relay(settings: HubSettings, dsn: str, region: str, batch_rows: int, poll_interval_s: float,
                 create_table: bool, until_empty: bool) -> None:
    """Publish the rows of hub_outbox in order; mark each sent only once the broker acknowledged it."""
    stats = asyncio.run(_relay(settings, dsn, region.upper(), batch_rows, poll_interval_s, create_table,
                               until_empty))
    if until_empty:
        click.echo(json.dumps(stats.__dict__))


async def _relay(settings: HubSettings, dsn: str, region: str, batch_rows: int, poll_interval_s: float,
                 create_table: bool, until_empty: bool):
    import psycopg

    from connectors.client import RegionalClient
    from connectors.metrics import PrometheusConnectorSensor
    from connectors.outbox import OutboxRelay, outbox_sql
    from hub.metrics.prometheus import serve_connector_metrics

    if create_table:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            await conn.execute(outbox_sql())
    sensor = PrometheusConnectorSensor("outbox_relay")
    serve_connector_metrics(sensor.registry, settings, "outbox_relay")
    client = await RegionalClient.connect(settings, region, sensor=sensor,
                                          workers=settings.connector_workers)
    relay = OutboxRelay(dsn, client, batch_rows, poll_interval_s)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, relay.stop)
    try:
        return await relay.run(until_empty=until_empty)
    finally:
        await client.stop()
