"""Commands that run the hub's services and the demo's simulated regional systems."""

from __future__ import annotations

import asyncio
import json
import logging
import signal

import click

from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)


@click.command("run")
@click.option("--service", "service", type=click.Choice(["all", "aggregator", "reconciler", "matcher"]), default="all",
              show_default=True, help="Run every service in this process, or one (so each scales alone).")
@pass_settings
def run(settings: HubSettings, service: str) -> None:
    """Run the hub's services (aggregator, reconciler, matcher) with a Prometheus /metrics endpoint, until Ctrl-C."""
    import uvloop

    from hub.health import Health, heartbeat, watch_for_stuck
    from hub.metrics.prometheus import PrometheusSensor, serve_metrics
    from hub.services.refdata import codec_for

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # a faster event loop for Faust and aiokafka
    health = Health()
    health.expect("started")  # until the service has said what else it waits for
    sensor = PrometheusSensor(health=health)
    port = serve_metrics(sensor, settings.metrics_host, settings.metrics_port, health)
    logging.getLogger("hub").info("metrics: http://%s:%d/metrics (and /healthz, /readyz)", settings.metrics_host, port)
    codec = codec_for(settings)
    if service == "reconciler":
        asyncio.run(_reconcile_until_stopped(settings, codec, health))
        return
    if service == "matcher":
        asyncio.run(_match_until_stopped(settings, codec, sensor, health))
        return
    from hub.services.aggregator import install_aggregator
    from hub.services.app import HubWorker, build_app
    from hub.services.faust_internals import tables_recovered
    from hub.services.reconciler import install_reconciler

    app = build_app(settings)
    install_aggregator(app, settings, codec, sensor)

    async def beat_for_health() -> None:
        await heartbeat(health)

    async def restart_a_stuck_start() -> None:
        await watch_for_stuck(lambda: not tables_recovered(app) and not app.in_recovery,
                              settings.start_stuck_limit_s, exit_to_restart)

    health.require("tables_recovered", lambda: tables_recovered(app))
    if service == "all":
        from hub.services.matcher import install_matcher

        install_reconciler(app, settings, codec)
        install_matcher(app, settings, codec, sensor)
        health.expect("match_index")
    health.set("started")
    worker = HubWorker(app, loglevel=settings.log_level.lower(), quiet=True)
    worker.early_tasks = (beat_for_health, restart_a_stuck_start)
    worker.execute_from_commandline()


def exit_to_restart(stuck_s: float) -> None:
    """Leave with status 75 (deploy/supervise starts the service again at once): its start is stuck."""
    import os

    logging.getLogger("hub").warning("not ready and not recovering for %.0f s: a start stuck before its first "
                                     "assignment; exiting with status 75 to be started again", stuck_s)
    logging.shutdown()
    os._exit(75)


async def _reconcile_until_stopped(settings: HubSettings, codec, health) -> None:
    from hub.health import heartbeat
    from hub.services.reconciler import Reconciler, RegisterView

    view = RegisterView(settings, codec)
    health.require("register_followed", lambda: view.consumer is not None and bool(view.consumer.assignment()))
    health.set("started")
    tasks = [asyncio.ensure_future(view.run()), asyncio.ensure_future(Reconciler(settings, codec, view).run()),
             asyncio.ensure_future(heartbeat(health))]
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    done, _ = await asyncio.wait([asyncio.ensure_future(stop.wait()), *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        if task in tasks and task.exception():
            raise task.exception()


async def _match_until_stopped(settings: HubSettings, codec, sensor, health) -> None:
    from hub.health import heartbeat
    from hub.services.matcher import Matcher

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    health.expect("match_index")
    health.set("started")
    beating = asyncio.ensure_future(heartbeat(health))
    try:
        await Matcher(settings, codec, sensor).run(stop)
    finally:
        beating.cancel()


@click.command("demo")
@click.option("--rate", type=float, default=200.0, show_default=True, help="Events per second.")
@click.option("--seconds", "duration_s", type=float, default=0.0, help="Stop after this long (0: until Ctrl-C).")
@click.option("--seed", type=int, default=577, show_default=True, help="Seed of the simulated registers.")
@click.option("--receiver-port", type=int, default=0, help="Also serve the units' webhook receivers on this port "
              "(for `hub sink webhook`; 0: none).")
@click.option("--client/--no-client", default=True, show_default=True,
              help="Send KZ-75's events through the regional client library (with its own /metrics).")
@click.option("--subjects", is_flag=True, help="Print the showcase records to check by hand, and exit.")
@pass_settings
def demo(settings: HubSettings, rate: float, duration_s: float, seed: int, receiver_port: int, client: bool,
         subjects: bool) -> None:
    """Simulate the regional systems and their officers: events (some refused), checks of every kind and
    reconciliation manifests with deliberate differences."""
    if subjects:
        from hub.domain.showcase import SHOWCASES

        for showcase in SHOWCASES:
            click.echo(f"{showcase.record_id:34} hub check {showcase.hint}")
        return
    if rate <= 0:
        raise click.BadParameter(f"{rate} is not a rate: give events per second above 0", param_hint="--rate")
    counts = asyncio.run(_simulate(settings, rate, duration_s, seed, receiver_port, client))
    click.echo(json.dumps(counts))


async def _simulate(settings: HubSettings, rate: float, duration_s: float, seed: int, receiver_port: int,
                    with_client: bool) -> dict:
    from hub.services.demo import CLIENT_REGION, Demo
    from hub.services.demo_receiver import DemoReceiver
    from hub.services.refdata import codec_for

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    receiver = DemoReceiver(settings.metrics_host, receiver_port, seed) if receiver_port else None
    if receiver is not None:
        logging.getLogger("hub").info("units' webhook receivers at http://%s:%d/units/", settings.metrics_host,
                                      await receiver.start())
    client = await _demo_client(settings, CLIENT_REGION) if with_client else None
    try:
        counts = await Demo(settings, codec_for(settings), rate, seed, client).run(stop, duration_s)
    finally:
        if client is not None:
            await client.stop()
        if receiver is not None:
            await receiver.stop()
    summary = counts.summary()
    if receiver is not None:
        summary.update(webhooks_received=receiver.received, webhooks_refused=receiver.refused)
    return summary


async def _demo_client(settings: HubSettings, region: str):
    """Return a started regional client whose metrics are served as the connector `demo_client`."""
    from connectors.client.publisher import RegionalClient
    from connectors.metrics import PrometheusConnectorSensor
    from hub.metrics.prometheus import serve_connector_metrics

    sensor = PrometheusConnectorSensor("demo_client")
    serve_connector_metrics(sensor.registry, settings, "demo_client")
    return await RegionalClient.connect(settings, region, sensor=sensor)
