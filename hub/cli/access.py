"""`hub access`: principals, credentials and ACLs on the broker, from the access plan (run as a super user)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)
output_option = click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the client properties file [default: HUB_CREDENTIALS_DIR/<principal>.properties].")


@click.group("access")
def access() -> None:
    """Who may connect and what each may read and write: one principal per region and per hub service.

    Every command talks to the broker as HUB_KAFKA_CLIENT_PROPERTIES (a super user, e.g. the local broker's
    admin.properties). Passwords are made here at random and written only to 0600 properties files.
    """


@access.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as one JSON line.")
@click.option("--dry-run", is_flag=True, help="Show what would change without changing it.")
@pass_settings
def access_sync(settings: HubSettings, as_json: bool, dry_run: bool) -> None:
    """Make the ACLs of the hub's principals equal to the plan: missing ones created, unwanted ones removed."""
    from hub.kafka.access import sync_acls
    from hub.kafka.acl_plan import access_plan

    report = asyncio.run(sync_acls(settings, access_plan(settings), dry_run=dry_run))
    if as_json:
        click.echo(json.dumps({**report.as_json(), "dry_run": dry_run}))
        return
    for row in report.as_json()["created"]:
        click.echo(f"+ {row}")
    for row in report.as_json()["deleted"]:
        click.echo(f"- {row}")
    verb = "would change" if dry_run else "changed"
    click.echo(f"{verb}: {len(report.created)} created, {len(report.deleted)} deleted, {report.kept} kept")


@access.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line per principal.")
@pass_settings
def access_list(settings: HubSettings, as_json: bool) -> None:
    """List every principal of the plan, whether it has a credential, and its grants."""
    from hub.kafka.access import scram_users
    from hub.kafka.acl_plan import access_plan

    users = asyncio.run(scram_users(settings))
    for user, grants in access_plan(settings).items():
        lines = [g.describe() for g in grants]
        if as_json:
            click.echo(json.dumps({"principal": user, "credential": user in users, "grants": lines}))
        else:
            click.echo(f"{user} ({'has a credential' if user in users else 'no credential'})")
            click.echo("".join(f"    {line}\n" for line in lines), nl=False)


@access.command("add-system")
@click.argument("region")
@output_option
@pass_settings
def access_add_system(settings: HubSettings, region: str, output: Path | None) -> None:
    """Give the systems of REGION (e.g. KZ-75, or KZ for the central units) their credential.

    Keeps an existing credential when its properties file is there; use `rotate` to replace it.
    """
    from hub.kafka.acl_plan import region_principal

    click.echo(_add(settings, _principal(region_principal, region.upper(), "REGION"), output))


@access.command("add-service")
@click.argument("service")
@output_option
@pass_settings
def access_add_service(settings: HubSettings, service: str, output: Path | None) -> None:
    """Give a hub service (aggregator, matcher, reconciler, sink-webhook, sink-email, sink-postgres) its credential."""
    from hub.kafka.acl_plan import service_principal

    click.echo(_add(settings, _principal(service_principal, service, "SERVICE"), output))


@access.command("rotate")
@click.argument("principal")
@output_option
@pass_settings
def access_rotate(settings: HubSettings, principal: str, output: Path | None) -> None:
    """Give PRINCIPAL (e.g. region-kz-75, hub-matcher) a new password; the old one stops working at once."""
    from hub.kafka.access import issue_credential
    from hub.kafka.acl_plan import access_plan

    if principal not in access_plan(settings):
        raise click.BadParameter(f"{principal} is not a principal of the plan (see hub access list)",
                                 param_hint="PRINCIPAL")
    click.echo(asyncio.run(issue_credential(settings, principal, output)))


def _principal(name_of, value: str, hint: str) -> str:
    """Return the principal a region or service is known by, or refuse the argument with why."""
    try:
        return name_of(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from exc


def _add(settings: HubSettings, user: str, output: Path | None) -> Path:
    """Make a credential unless the user has one and its file is at hand; return the properties file."""
    from hub.errors import ConfigurationError
    from hub.kafka.access import issue_credential, properties_path, scram_users

    path = output or properties_path(settings, user)
    if user in asyncio.run(scram_users(settings)):
        if path.exists():
            return path
        raise ConfigurationError(f"{user} already has a credential but {path} is missing: run hub access rotate "
                                 f"{user} to make a new one")
    return asyncio.run(issue_credential(settings, user, output))
