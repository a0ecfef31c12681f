"""The feed's commands: site create, api-token create, import cdr, import queue-log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from sqlalchemy import select

from app.i18n import _

site_cli = typer.Typer(help="Sites.", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens for the live event feed.", no_args_is_help=True)


def register(cli: typer.Typer, import_cli: typer.Typer) -> None:
    """Add the feed's commands to the `smena` command."""
    cli.add_typer(site_cli, name="site")
    cli.add_typer(token_cli, name="api-token")
    import_cli.command("cdr")(import_cdr_cmd)
    import_cli.command("queue-log")(import_queue_log_cmd)


@site_cli.command("create")
def create_site(
    name: str, timezone: Annotated[str, typer.Option(help="IANA zone, e.g. Europe/Moscow")]
) -> None:
    """Create a site (a contact center) in a time zone."""
    from app import audit
    from app.cli import _sessions, fail
    from app.db import session_scope
    from app.models import Site

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(_("--timezone: unknown time zone {name}").format(name=repr(timezone))) from None
    if not name.strip() or len(name.strip()) > 120:
        raise fail(_("NAME: 1 to 120 characters"))
    _engine, factory = _sessions()
    for db in session_scope(factory):
        if db.scalar(select(Site.id).where(Site.name == name.strip())):
            raise fail(_("NAME: a site named {name} exists").format(name=repr(name.strip())))
        site = Site(name=name.strip(), timezone=timezone)
        db.add(site)
        audit.record(db, user=None, action="create", entity=site, before=None)
    typer.echo(_("created site {name} ({timezone})").format(name=name.strip(), timezone=timezone))


@token_cli.command("create")
def create_token(label: str, site: Annotated[str, typer.Option(help="site name")]) -> None:
    """Issue an API token for a site's event feed; prints it once."""
    from app.cli import fail, site_transaction
    from app.events.tokens import issue_token

    if not label.strip() or len(label.strip()) > 120:
        raise fail(_("LABEL: 1 to 120 characters"))
    for db, site_row in site_transaction(site):
        _token, raw = issue_token(db, user=None, site=site_row, label=label.strip())
    typer.echo(raw)


def _import(file: Path, site: str, kind: str) -> None:
    from app.cli import fail, no_file, refused, site_transaction
    from app.events.imports import import_cdr, import_queue_log

    if not file.is_file():
        raise fail(no_file(file))
    for db, site_row in site_transaction(site):
        importer = import_cdr if kind == "cdr" else import_queue_log
        result = importer(db, site=site_row, content=file.read_bytes())
        if result.errors:
            raise refused(db, file, result.errors)
    states = _(", {n} agent-state intervals").format(n=result.states) if kind == "queue-log" else ""
    counts = _("imported: {created} new calls, {known} known").format(
        created=result.created, known=result.duplicates
    )
    typer.echo(counts + states)


def import_cdr_cmd(
    file: Annotated[Path, typer.Argument(help="CSV: call_id,queue,offered_at,...,agent")],
    site: Annotated[str, typer.Option(help="site name")],
) -> None:
    """Import call detail records (CSV): the whole file or nothing."""
    _import(file, site, "cdr")


def import_queue_log_cmd(
    file: Annotated[Path, typer.Argument(help="Asterisk queue_log")],
    site: Annotated[str, typer.Option(help="site name")],
) -> None:
    """Import Asterisk's queue_log (calls and agent states): the whole file or nothing."""
    _import(file, site, "queue-log")
