"""Entry point of the `hub` command: one settings object, read here and passed down."""

from __future__ import annotations

import click

from hub import __version__
from hub.cli.access import access
from hub.cli.broker import broker
from hub.cli.checks import check, check_batch, notifications
from hub.cli.connectors import outbox_relay
from hub.cli.importer import import_cmd
from hub.cli.platform import asyncapi_cmd, refdata, schemas, topics
from hub.cli.reconcile import reconcile
from hub.cli.services import demo, run
from hub.cli.sinks import sink
from hub.errors import HubError
from hub.settings import HubSettings


class HubGroup(click.Group):
    """A click group that prints HubErrors as one clear line and exits with 1."""

    def invoke(self, ctx: click.Context):
        """Run the command; turn a HubError into a message instead of a traceback."""
        try:
            return super().invoke(ctx)
        except HubError as exc:
            click.secho(f"error [{exc.code}]: {exc}", fg="red", err=True)
            ctx.exit(1)


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Records hub: regional records into the central register, and checks against it.

    Settings come from HUB_-prefixed environment variables (see README).
    """
    ctx.obj = HubSettings()


for command in (schemas, topics, refdata, asyncapi_cmd, broker, access, run, demo, reconcile, import_cmd,
                outbox_relay, sink, check, check_batch, notifications):
    cli.add_command(command)


def main() -> None:
    """Run the hub command line."""
    cli()
