"""Entry point of the `hub` command: one settings object, read here and passed down."""

from __future__ import annotations

import logging
import os

import click

from hub import __version__
from hub.cli.access import access
from hub.cli.broker import broker
from hub.cli.checks import check, check_batch, notifications
from hub.cli.connectors import outbox_relay
from hub.cli.importer import import_cmd
from hub.cli.manifests import manifests
from hub.cli.platform import asyncapi_cmd, refdata, schemas, topics
from hub.cli.reconcile import reconcile
from hub.cli.register import register, rejected
from hub.cli.services import demo, run
from hub.cli.sinks import sink
from hub.errors import HubError
from hub.settings import HubSettings

SERVICE_COMMANDS = ("run", "demo", "sink", "outbox-relay", "import", "broker")


class HubGroup(click.Group):
    """A click group that prints every error as one or two clear lines (what is wrong, what to do) and exits
    with 1; HUB_DEBUG=1 shows the traceback of an unexpected one."""

    def invoke(self, ctx: click.Context):
        """Run the command; turn errors into messages instead of tracebacks."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the edge where every error becomes a message
            if os.environ.get("HUB_DEBUG"):
                raise
            code, text = explain(exc, ctx.obj if isinstance(ctx.obj, HubSettings) else None)
            click.secho(f"error [{code}]: {text}", fg="red", err=True)
            ctx.exit(1)


def explain(exc: Exception, settings: HubSettings | None) -> tuple[str, str]:
    """Return a code and one or two lines for an error: what is wrong, and what to do."""
    from aiokafka.errors import KafkaConnectionError, KafkaError
    from pydantic import ValidationError

    if isinstance(exc, HubError):
        return exc.code, str(exc)
    if isinstance(exc, (KafkaConnectionError, ConnectionError)) or "Unable to bootstrap" in str(exc):
        where = settings.kafka_bootstrap_servers if settings else "the configured address"
        return "broker", (f"cannot reach the Kafka broker at {where}.\n  Start the hub with ./deploy/up (hub "
                          f"commands in that checkout then find it), or set HUB_RUN_FILE or HUB_KAFKA_* settings.")
    if isinstance(exc, KafkaError):
        return "broker", f"the broker refused the request: {exc}"
    if isinstance(exc, ValidationError):
        wrong = "; ".join(f"HUB_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        return "settings", f"{wrong}.\n  See the settings table in README.md."
    if isinstance(exc, OSError):
        return "file", f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    return "internal", f"{type(exc).__name__}: {exc}\n  Run again with HUB_DEBUG=1 for the traceback, and report it."


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Records hub: regional records into the central register, and checks against it.

    Settings come from HUB_-prefixed environment variables (see README).
    """
    ctx.obj = HubSettings()
    if ctx.invoked_subcommand in SERVICE_COMMANDS:
        from hub.logs import configure

        configure(ctx.obj.log_level)
    else:  # a one-shot command says what went wrong itself
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


for command in (schemas, topics, refdata, asyncapi_cmd, broker, access, run, demo, reconcile, import_cmd,
                outbox_relay, sink, check, check_batch, notifications, register, rejected, manifests):
    cli.add_command(command)


def main() -> None:
    """Run the hub command line."""
    cli()
