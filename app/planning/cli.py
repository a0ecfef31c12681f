"""`smena history rebuild`: a site's interval history from its stored calls."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

history_cli = typer.Typer(help="Interval history (Planning).", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add `smena history ...` to the `smena` command."""
    cli.add_typer(history_cli, name="history")


def _day(option: str, text: str) -> date:
    from app.cli import fail
    from app.planning.from_calls import EARLIEST_DAY, LATEST_DAY

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: not a date (YYYY-MM-DD): {text!r}") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise fail(f"{option}: a day from {EARLIEST_DAY.isoformat()} on")
    return day


@history_cli.command("rebuild")
def rebuild(
    site: Annotated[str, typer.Option(help="site name")],
    from_: Annotated[
        str, typer.Option("--from", help="first local day (default: the first call's)")
    ] = "",
    to: Annotated[str, typer.Option(help="last local day (default: yesterday, site time)")] = "",
) -> None:
    """Rebuild interval history (calls and AHT per queue and interval) from the stored calls.

    Days with calls replace their uploaded history; days without keep it. One transaction.
    """
    from app.cli import fail, site_transaction
    from app.db import utcnow
    from app.planning.from_calls import LONGEST_REBUILD_DAYS, call_days, rebuild_range
    from app.planning.jobs import record_rebuild

    first = _day("--from", from_) if from_ else None
    last = _day("--to", to) if to else None
    if first and last and last < first:
        raise fail("--to: before --from")
    for db, site_row in site_transaction(site):
        today = utcnow().astimezone(ZoneInfo(site_row.timezone)).date()
        last = last or today - timedelta(days=1)
        if first is None:
            span = call_days(db, site=site_row)
            if span is None or span[0] > last:
                typer.echo(f"no stored calls at {site} up to {last}: nothing to rebuild")
                return
            first = span[0]
        if last < first:
            raise fail(f"--from: after the last day rebuilt ({last})")
        if (last - first).days >= LONGEST_REBUILD_DAYS:
            raise fail(f"--from: at most {LONGEST_REBUILD_DAYS} days at a time")
        result = rebuild_range(db, site=site_row, first=first, last=last)
        record_rebuild(db, user_id=None, site=site_row, result=result)
    typer.echo(
        f"rebuilt {first} to {last}: {result.intervals} intervals on {result.queue_days} "
        f"queue-days from calls, {result.uploads_replaced} uploaded intervals replaced"
    )
