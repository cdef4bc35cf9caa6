"""Commands that run the hub's services and the demo's simulated regional systems."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import signal
import time

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

    from hub.metrics.prometheus import PrometheusSensor, serve_metrics
    from hub.services.refdata import codec_for

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # a faster event loop for Faust and aiokafka
    sensor = PrometheusSensor()
    port = serve_metrics(sensor, settings.metrics_host, settings.metrics_port)
    click.echo(f"metrics: http://{settings.metrics_host}:{port}/metrics", err=True)
    codec = codec_for(settings)
    if service == "reconciler":
        asyncio.run(_reconcile_until_stopped(settings, codec))
        return
    if service == "matcher":
        asyncio.run(_match_until_stopped(settings, codec, sensor))
        return
    from hub.services.aggregator import install_aggregator
    from hub.services.app import HubWorker, build_app
    from hub.services.reconciler import install_reconciler

    app = build_app(settings)
    install_aggregator(app, settings, codec, sensor)
    if service == "all":
        from hub.services.matcher import install_matcher

        install_reconciler(app, settings, codec)
        install_matcher(app, settings, codec, sensor)
    HubWorker(app, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()


async def _reconcile_until_stopped(settings: HubSettings, codec) -> None:
    from hub.services.reconciler import Reconciler, RegisterView

    logging.basicConfig(level=settings.log_level.upper(), format="[%(asctime)s] [%(levelname)s] %(message)s")
    view = RegisterView(settings, codec)
    tasks = [asyncio.ensure_future(view.run()), asyncio.ensure_future(Reconciler(settings, codec, view).run())]
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


async def _match_until_stopped(settings: HubSettings, codec, sensor) -> None:
    from hub.services.matcher import Matcher

    logging.basicConfig(level=settings.log_level.upper(), format="[%(asctime)s] [%(levelname)s] %(message)s")
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await Matcher(settings, codec, sensor).run(stop)


@click.command("demo")
@click.option("--rate", type=float, default=200.0, show_default=True, help="Events per second.")
@click.option("--seconds", "duration_s", type=float, default=0.0, help="Stop after this long (0: until Ctrl-C).")
@click.option("--seed", type=int, default=577, show_default=True, help="Seed of the simulated registers.")
@pass_settings
def demo(settings: HubSettings, rate: float, duration_s: float, seed: int) -> None:
    """Simulate the regional systems: publish realistic events to every region's topic."""
    sent = asyncio.run(_simulate(settings, rate, duration_s, seed))
    click.echo(json.dumps({"events_sent": sent}))


async def _simulate(settings: HubSettings, rate: float, duration_s: float, seed: int) -> int:
    from hub.domain.simulate import interleave, simulators
    from hub.kafka.producer import make_producer
    from hub.kafka.topics import regional_events_topic
    from hub.services.refdata import codec_for

    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    codec = codec_for(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    producer = make_producer(settings)
    await producer.start()
    events = interleave(simulators(seed), random.Random(seed), int(time.time() * 1000))
    sent, started, last_report = 0, time.monotonic(), time.monotonic()
    try:
        while not stop.is_set() and (not duration_s or time.monotonic() - started < duration_s):
            event = next(events)
            event["occurred_at"] = int(time.time() * 1000)
            topic = regional_events_topic(event["region"]).name(settings)
            await producer.send(topic, codec.encode("RecordEvent", event), key=event["record_id"].encode())
            sent += 1
            if time.monotonic() - last_report >= 5:
                click.echo(f"demo: {sent} events sent to {settings.topic('events.*')}", err=True)
                last_report = time.monotonic()
            delay = started + sent / rate - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass
        await producer.flush()
    finally:
        await producer.stop()
    return sent
