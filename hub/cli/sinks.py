"""`hub sink webhook|email|postgres`: run a notification or register sink until SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click

from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)


def scope_option(command):
    """Add --region: the one scope whose notifications a sink delivers (default: every scope)."""
    from hub.kafka.topics import CHECK_SCOPES

    return click.option("--region", "scope", type=click.Choice(CHECK_SCOPES), default=None,
                        help="Deliver only this region's notifications (KZ: the central units'), reading its topic "
                             "alone, as a sink run with that region's principal does. Default: every region.")(command)


@click.group("sink")
def sink() -> None:
    """Deliver notifications to units (webhook, email) or copy the register into PostgreSQL."""


@sink.command("webhook")
@click.option("--subscriptions", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="YAML of `UNIT: {url: https://..., secret_env: VARIABLE}`.")
@click.option("--max-attempts", default=6, show_default=True, help="Deliveries tried before dead-lettering.")
@click.option("--backoff-s", default=0.5, show_default=True, help="First retry delay; it doubles each time.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CA certificates to trust for the receivers' HTTPS (default: the system's).")
@scope_option
@pass_settings
def webhook(settings: HubSettings, subscriptions: Path, max_attempts: int, backoff_s: float,
            ca_file: Path | None, scope: str | None) -> None:
    """POST each unit's notifications as signed JSON (HMAC-SHA256), with retries and a dead-letter topic."""
    import ssl

    from connectors.sinks.webhook import WebhookSink, load_subscriptions

    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    asyncio.run(_run(settings, "webhook", lambda codec, dead, sensor: WebhookSink(
        load_subscriptions(subscriptions), codec, dead, max_attempts, backoff_s, ssl_context=context, sensor=sensor),
        scope))


@sink.command("email")
@click.option("--addresses", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="YAML of `UNIT: [address, ...]`.")
@click.option("--smtp-host", required=True, help="SMTP server (STARTTLS is required).")
@click.option("--smtp-port", default=587, show_default=True, help="SMTP submission port.")
@click.option("--sender", default="records-hub@mvd.kz", show_default=True, help="From address.")
@click.option("--username", envvar="HUB_SMTP_USERNAME", help="SMTP login [HUB_SMTP_USERNAME].")
@click.option("--password", envvar="HUB_SMTP_PASSWORD", help="SMTP password [HUB_SMTP_PASSWORD].")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CA certificates to trust for STARTTLS (default: the system's).")
@click.option("--max-attempts", default=5, show_default=True, help="Sends tried before dead-lettering.")
@click.option("--backoff-s", default=1.0, show_default=True, help="First retry delay; it doubles each time.")
@scope_option
@pass_settings
def email(settings: HubSettings, addresses: Path, smtp_host: str, smtp_port: int, sender: str, username: str | None,
          password: str | None, ca_file: Path | None, max_attempts: int, backoff_s: float, scope: str | None) -> None:
    """Send each unit's notifications as letters in Kazakh, Russian and English."""
    from connectors.sinks.email import EmailSink, SmtpServer, load_addresses

    server = SmtpServer(smtp_host, smtp_port, sender, username, password, ca_file)
    asyncio.run(_run(settings, "email", lambda codec, dead, sensor: EmailSink(
        server, load_addresses(addresses), codec, dead, max_attempts, backoff_s, sensor=sensor), scope))


@sink.command("postgres")
@click.option("--dsn", envvar="HUB_SINK_DSN", required=True, help="PostgreSQL DSN of the analysts' database [HUB_SINK_DSN].")
@pass_settings
def postgres(settings: HubSettings, dsn: str) -> None:
    """Keep the table central_register equal to the central register topic."""
    from connectors.sinks.postgres import PostgresSink

    asyncio.run(_run(settings, "postgres", lambda codec, dead, sensor: PostgresSink(dsn, codec, dead, sensor)))


async def _run(settings: HubSettings, name: str, build, scope: str | None = None) -> None:
    from connectors.metrics import PrometheusConnectorSensor
    from connectors.sinks.runtime import DeadLetters, run_sink
    from hub.health import Health
    from hub.kafka.topics import NOTIFICATIONS, REGISTER
    from hub.metrics.prometheus import serve_connector_metrics
    from hub.services.refdata import codec_for

    health = Health()
    health.expect("consumer_assigned")
    codec, sensor = codec_for(settings), PrometheusConnectorSensor(f"{name}_sink", health=health)
    serve_connector_metrics(sensor.registry, settings, f"{name}_sink", health)
    dead = DeadLetters(settings, codec, name)
    target = build(codec, dead, sensor)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    if name == "postgres":
        topics = [REGISTER.name(settings)]
    else:
        topics = [NOTIFICATIONS.name(settings, scope)] if scope else NOTIFICATIONS.names(settings)
    group = sink_group(settings, name, scope)
    try:
        await run_sink(settings, topics, group, target, sensor, stop)
    finally:
        close = getattr(target, "close", None)
        if close is not None:
            await close()
        await dead.close()


def sink_group(settings: HubSettings, name: str, scope: str | None) -> str:
    """Return a sink's consumer group: '<app id>-sink-<name>', with '-<region>' when it serves one region."""
    return f"{settings.app_id}-sink-{name}" + (f"-{scope.lower()}" if scope else "")
