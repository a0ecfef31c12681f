"""The `smena` command: serve, migrate, create-user, demo, import, and the solver contracts."""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Protocol

import typer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import contracts_cli, i18n
from app.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from app.config import ConfigError, get_settings
from app.csv_lines import LineError
from app.db import make_engine, make_sessionmaker, session_scope
from app.events import cli as events_cli
from app.i18n import _
from app.models import Role, Site, User
from app.planning import cli as planning_cli
from kpi.records import RecordError

cli = typer.Typer(
    help="smena: the contact-center supervisor's console.",
    no_args_is_help=True,
    add_completion=False,
)
import_cli = typer.Typer(help="Import files.", no_args_is_help=True)
cli.add_typer(import_cli, name="import")
contracts_cli.register(cli)
events_cli.register(cli, import_cli)
planning_cli.register(cli)


def fail(message: str) -> typer.Exit:
    """Print `error: message` on stderr; exit status 2 (bad input)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def no_site(site: str) -> str:
    return _("--site: no site named {name}").format(name=repr(site))


def no_file(file: Path) -> str:
    return _("{file}: no such file").format(file=file)


def refused(db: Session, file: Path, errors: Iterable[LineError | RecordError]) -> typer.Exit:
    """Print each bad line as `error: FILE:LINE: COLUMN: REASON`; nothing kept, exit status 2."""
    for e in errors:
        typer.echo(f"error: {file}:{e.line}: {e.column or '-'}: {e.reason}", err=True)
    db.rollback()
    return typer.Exit(2)


class Counts(Protocol):
    @property
    def created(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def unchanged(self) -> int: ...


def imported(result: Counts) -> str:
    """What an import did, line by line."""
    return _("imported: {created} new, {updated} changed, {unchanged} unchanged").format(
        created=result.created, updated=result.updated, unchanged=result.unchanged
    )


_ENGINES: list[Engine] = []


def _sessions() -> tuple[Engine, sessionmaker[Session]]:
    """An engine on the configured database, closed when the command ends."""
    engine = make_engine(get_settings().resolved_database_url())
    _ENGINES.append(engine)
    return engine, make_sessionmaker(engine)


def site_transaction(name: str) -> Iterator[tuple[Session, Site]]:
    """One transaction (as app.db.session_scope) with the site named `name`; exit 2 if none."""
    _engine, factory = _sessions()
    for db in session_scope(factory):
        site = db.scalar(select(Site).where(Site.name == name))
        if site is None:
            raise fail(no_site(name))
        yield db, site


def _dispose_engines() -> None:
    while _ENGINES:
        _ENGINES.pop().dispose()


class Lang(StrEnum):
    """The languages of the messages (the web's catalogs)."""

    ru = "ru"
    en = "en"


def posix_locale(environ: Mapping[str, str]) -> str:
    """Russian when the terminal's locale (LC_ALL, else LC_MESSAGES, else LANG) is; else English."""
    posix = next((environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(k)), "")
    return "ru" if posix.lower().startswith("ru") else "en"


@cli.callback()
def _each_command(
    ctx: typer.Context,
    lang: Annotated[
        Lang | None,
        typer.Option(help="language of messages (default: SMENA_LANG, else LC_ALL/LANG)"),
    ] = None,
) -> None:
    """Speak the chosen language; close the command's database connections when it ends."""
    chosen = os.environ.get("SMENA_LANG", "").strip()
    locale = lang.value if lang else chosen if chosen in i18n.LOCALES else posix_locale(os.environ)
    token = i18n.current_locale.set(locale)
    ctx.call_on_close(lambda: i18n.current_locale.reset(token))
    ctx.call_on_close(_dispose_engines)
    if chosen and not lang and chosen not in i18n.LOCALES:
        raise fail(_("SMENA_LANG: must be ru or en, not {value}").format(value=repr(chosen)))


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest version."""
    from app.migrate import upgrade

    engine, _factory = _sessions()
    upgrade(engine)
    typer.echo(_("database at the newest schema: {url}").format(url=engine.url.render_as_string()))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve the web application."""
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


@cli.command()
def worker(concurrency: Annotated[int, typer.Option(help="jobs at once")] = 2) -> None:
    """Run background jobs (solver runs) from the database queue until interrupted."""
    import signal
    import threading

    from app.jobs.worker import Worker
    from app.main import create_app

    if concurrency < 1:
        raise fail(_("--concurrency: must be >= 1"))
    create_app()  # registers every feature's job handlers
    _engine, factory = _sessions()
    runner = Worker(factory, concurrency=concurrency)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    runner.start()
    typer.echo(
        _("worker {name}: running jobs, {n} at a time").format(name=runner.name, n=concurrency)
    )
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    runner.stop()


@cli.command("create-user")
def create_user(
    login: str,
    role: Annotated[Role, typer.Option(help="admin, manager, supervisor or operator")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    site: Annotated[str, typer.Option(help="site name (supervisors and operators)")] = "",
    locale: Annotated[str, typer.Option(help="ru or en")] = "ru",
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
) -> None:
    """Create a user who can sign in; asks for the password."""
    if locale not in ("ru", "en"):
        raise fail(_("--locale: must be ru or en"))
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise fail(_("password: must be at least {n} characters").format(n=MIN_PASSWORD_LENGTH))
    _engine, factory = _sessions()
    for db in session_scope(factory):
        if db.scalar(select(User.id).where(func.lower(User.login) == login.lower())):
            raise fail(_("login: {login} is taken").format(login=repr(login)))
        site_id = None
        if site:
            site_id = db.scalar(select(Site.id).where(Site.name == site))
            if site_id is None:
                raise fail(no_site(site))
        elif role in (Role.SUPERVISOR, Role.OPERATOR):
            raise fail(_("--site: supervisors and operators belong to a site"))
        db.add(
            User(
                login=login.lower(),
                display_name=name or login,
                role=role,
                locale=locale,
                password_hash=hash_password(password),
                site_id=site_id,
            )
        )
    typer.echo(_("created {role} {login}").format(role=_(role.value), login=login))


@import_cli.command("schedule")
def import_schedule_cmd(
    file: Annotated[Path, typer.Argument(help="CSV with header agent,date,start,end")],
    site: Annotated[str, typer.Option(help="site name")],
) -> None:
    """Import agents' shifts from a CSV file: all lines or none."""
    from app.shifts.importer import import_schedule

    if not file.is_file():
        raise fail(no_file(file))
    for db, site_row in site_transaction(site):
        result = import_schedule(db, user=None, site=site_row, content=file.read_bytes())
        if result.errors:
            raise refused(db, file, result.errors)
    typer.echo(imported(result))


@import_cli.command("history")
def import_history_cmd(
    file: Annotated[
        Path, typer.Argument(help="CSV with header date,interval_start,queue,calls,aht_seconds")
    ],
    site: Annotated[str, typer.Option(help="site name")],
    interval_minutes: Annotated[int, typer.Option(help="interval length: 15, 30 or 60")] = 30,
) -> None:
    """Import interval history (calls and AHT per queue and interval): all lines or none."""
    from app.planning.importer import INTERVAL_CHOICES, import_history

    if interval_minutes not in INTERVAL_CHOICES:
        raise fail(_("--interval-minutes: must be 15, 30 or 60"))
    if not file.is_file():
        raise fail(no_file(file))
    for db, site_row in site_transaction(site):
        result = import_history(
            db,
            user=None,
            site=site_row,
            content=file.read_bytes(),
            interval_minutes=interval_minutes,
            filename=file.name,
        )
        if result.errors:
            raise refused(db, file, result.errors)
    left_out = _(", {n} left out (days built from calls)").format(n=result.from_calls)
    typer.echo(imported(result) + (left_out if result.from_calls else ""))


@cli.command()
def simulate(
    site: Annotated[str, typer.Option(help="site name")],
    token: Annotated[str, typer.Option(help="the site's API token (smena api-token create)")],
    url: Annotated[str, typer.Option(help="where smena answers")] = "http://127.0.0.1:8000",
    speed: Annotated[float, typer.Option(help="simulated seconds per real second")] = 1.0,
    seed: Annotated[int, typer.Option(help="random seed: the same seed, the same day")] = 1,
    duration_minutes: Annotated[
        int | None, typer.Option(help="simulated minutes to run (default: until stopped)")
    ] = None,
    start: Annotated[str, typer.Option(help="simulated start, ISO 8601 (default: now)")] = "",
    catch_up: Annotated[
        bool, typer.Option(help="post everything from a past --start to now at once first")
    ] = False,
) -> None:
    """Post a live feed of a simulated floor (calls, agent states, breaks) to the events API."""
    from app.simulator.runner import FeedConfig, FeedError, run_feed, site_exists

    if not 0 < speed <= 100_000:
        raise fail(_("--speed: must be more than 0 and at most 100000"))
    if duration_minutes is not None and duration_minutes < 1:
        raise fail(_("--duration-minutes: must be >= 1"))
    if not url.startswith(("http://", "https://")):
        raise fail(_("--url: must start with http:// or https://"))
    try:
        began = datetime.fromisoformat(start) if start else datetime.now(UTC)
    except ValueError:
        raise fail(_("--start: not an ISO 8601 time: {value}").format(value=repr(start))) from None
    if began.utcoffset() is None:
        raise fail(_("--start: needs a UTC offset, e.g. 2026-11-30T07:00:00+03:00"))
    _engine, factory = _sessions()
    if not site_exists(factory, site):
        raise fail(no_site(site))
    duration = timedelta(minutes=duration_minutes) if duration_minutes else None
    config = FeedConfig(url=url, token=token, start=began, speed=speed, seed=seed,
                        duration=duration, catch_up=catch_up)  # fmt: skip
    typer.echo(
        _("simulating {site} from {start} at {speed}x, posting to {url}").format(
            site=site, start=began.isoformat(), speed=f"{speed:g}", url=url
        )
    )
    try:
        totals = run_feed(factory, site=site, config=config, log=typer.echo)
    except FeedError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    typer.echo(
        _("posted: {stored} stored, {duplicates} duplicates, {requests} requests").format(
            stored=totals.stored, duplicates=totals.duplicates, requests=totals.requests
        )
    )


@cli.command()
def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    simulate_feed: Annotated[
        bool, typer.Option("--simulate/--no-simulate", help="feed the floor from the simulator")
    ] = True,
) -> None:
    """Create the SQLite database, migrate, seed a demo center, print sign-ins, and serve."""
    from app.demo import seed
    from app.migrate import upgrade

    settings = get_settings()
    if settings.env == "production":
        raise fail(_("the demo refuses to run with SMENA_ENV=production"))
    engine, factory = _sessions()
    upgrade(engine)
    credentials_file = settings.var_dir / "demo-credentials.txt"
    for db in session_scope(factory):
        created = seed(db, today=date.today())
        if created:
            settings.var_dir.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text(
                "".join(f"{c.role:<11} {c.login:<11} {c.password}\n" for c in created)
            )
            credentials_file.chmod(0o600)
    typer.echo(
        "\n" + _("smena demo center 'Moscow' is ready. Sign in with (role, login, password):")
    )
    typer.echo(
        "\n" + (credentials_file.read_text() if credentials_file.exists() else _("(see README)"))
    )
    if serve_after:
        typer.echo(_("open {url}").format(url=f"http://{host}:{port}/") + "\n")
        if simulate_feed:
            from app.simulator.demo_feed import start_demo_feed

            start_demo_feed(factory, host=host, port=port)
        serve(host=host, port=port, workers=1)


def main() -> None:
    """Entry point: configuration errors become one clear line and exit status 2."""
    try:
        cli()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
