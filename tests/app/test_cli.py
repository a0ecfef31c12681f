"""The `smena` command on the test database: importing a schedule, creating a user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

import app.cli
from app import i18n
from app.auth.passwords import verify_password
from app.cli import cli, posix_locale
from app.config import get_settings
from app.models import AuditEntry, Shift, User
from tests.app.conftest import Center
from tests.app.test_shifts_import import BAD, GOOD

Run = Callable[..., Result]


@pytest.fixture
def smena(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """Run `smena ARGS` against the test database, in a C locale; its engines are disposed."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SMENA_ENV", "test")
    monkeypatch.setenv("SMENA_VAR_DIR", str(tmp_path / "var"))
    engines: list[Engine] = []
    original = app.cli.make_engine

    def make_engine(url: str) -> Engine:
        engines.append(original(url))
        return engines[-1]

    monkeypatch.setattr(app.cli, "make_engine", make_engine)
    for name in ("SMENA_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")  # English, whatever this machine's locale is
    locale = i18n.current_locale.set("ru")  # the web's default: the command must choose its own
    get_settings.cache_clear()

    def run(*args: str, stdin: str = "") -> Result:
        return CliRunner().invoke(cli, list(args), input=stdin)

    yield run
    get_settings.cache_clear()
    i18n.current_locale.reset(locale)
    for engine in engines:
        engine.dispose()


def _shifts(db: Session) -> list[tuple[int, datetime, datetime]]:
    db.expire_all()
    rows = db.scalars(select(Shift).order_by(Shift.agent_id, Shift.work_date))
    return [(s.agent_id, s.starts_at, s.ends_at) for s in rows]


def _audit_rows(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_import_schedule_writes_a_valid_file_and_refuses_a_bad_one_whole(
    smena: Run, center: Center, db: Session, tmp_path: Path
) -> None:
    run = smena
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD)
    bad.write_text(BAD)
    first = run("import", "schedule", str(good), "--site", "Moscow")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "imported: 3 new, 0 changed, 0 unchanged"
    shifts = _shifts(db)
    assert shifts[1] == (
        center.other_operator_agent_id,
        datetime(2026, 11, 30, 19, tzinfo=UTC),
        datetime(2026, 12, 1, 4, tzinfo=UTC),
    )
    audit = _audit_rows(db)
    assert audit == 3
    again = run("import", "schedule", str(good), "--site", "Moscow")
    assert again.exit_code == 0
    assert again.stdout.strip() == "imported: 0 new, 0 changed, 3 unchanged"
    refused = run("import", "schedule", str(bad), "--site", "Moscow")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        f"error: {bad}:3: agent: No active agent with code “Z999” at this site.",
        f"error: {bad}:4: date: Not a date (YYYY-MM-DD): “2026-13-01”.",
        f"error: {bad}:5: start: Not a time (HH:MM): “9am”.",
        f"error: {bad}:6: -: Expected 4 columns, found 3.",
        f"error: {bad}:7: date: This agent already has a shift on this day (line 2).",
        f"error: {bad}:8: end: A shift lasts at most 16 hours.",
        f"error: {bad}:9: end: Not a time (HH:MM): “25:00”.",
        f"error: {bad}:10: agent: No active agent with code “N001” at this site.",
    ]
    assert "imported" not in refused.stdout
    assert (_shifts(db), _audit_rows(db)) == (shifts, audit)
    no_site = run("import", "schedule", str(good), "--site", "Kazan")
    assert (no_site.exit_code, no_site.stderr.strip()) == (
        2,
        "error: --site: no site named 'Kazan'",
    )
    missing = run("import", "schedule", str(tmp_path / "none.csv"), "--site", "Moscow")
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_create_user_hashes_the_password_and_refuses_bad_input_naming_the_field(
    smena: Run, center: Center, db: Session
) -> None:
    run = smena
    users = db.scalar(select(func.count()).select_from(User))
    refusals = [
        (("olga", "--role", "operator", "--site", "Kazan"), "long-enough-1", "--site"),
        (("olga", "--role", "operator"), "long-enough-1", "--site"),
        (("olga", "--role", "operator", "--site", "Moscow"), "short", "password"),
        (("Admin", "--role", "manager"), "long-enough-1", "login"),
        (("olga", "--role", "manager", "--locale", "de"), "long-enough-1", "--locale"),
    ]
    for args, password, field in refusals:
        result = run("create-user", *args, "--password-stdin", stdin=password + "\n")
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"error: {field}:"), (args, result.stderr)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(User)) == users
    created = run(
        "create-user",
        "Olga",
        "--role",
        "supervisor",
        "--site",
        "Moscow",
        "--name",
        "Olga Sokolova",
        "--locale",
        "en",
        "--password-stdin",
        stdin="long-enough-1\n",
    )
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == "created supervisor Olga"
    olga = db.scalars(select(User).where(User.login == "olga")).one()
    assert (olga.role, olga.site_id, olga.display_name) == (
        "supervisor",
        center.site_id,
        "Olga Sokolova",
    )
    assert olga.password_hash.startswith("$argon2id$")
    assert verify_password(olga.password_hash, "long-enough-1")


RUSSIAN_LINE_4 = "date: Неверная дата (ГГГГ-ММ-ДД): «2026-13-01»."


def test_the_command_speaks_the_language_chosen_by_option_or_environment(
    smena: Run, center: Center, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    english = smena("import", "schedule", str(bad), "--site", "Moscow")
    assert f"error: {bad}:4: date: Not a date (YYYY-MM-DD): “2026-13-01”." in english.stderr
    russian = smena("--lang", "ru", "import", "schedule", str(bad), "--site", "Moscow")
    assert russian.exit_code == 2
    assert f"error: {bad}:4: {RUSSIAN_LINE_4}" in russian.stderr.splitlines()
    no_site = smena("--lang", "ru", "import", "schedule", str(bad), "--site", "Kazan")
    assert no_site.stderr.strip() == "error: --site: нет площадки с названием 'Kazan'"
    assert i18n.current_locale.get() == "ru"  # restored: the test set it before the command
    monkeypatch.setenv("SMENA_LANG", "ru")
    by_variable = smena("import", "schedule", str(bad), "--site", "Moscow")
    assert f"error: {bad}:4: {RUSSIAN_LINE_4}" in by_variable.stderr.splitlines()
    by_option = smena("--lang", "en", "import", "schedule", str(bad), "--site", "Kazan")
    assert by_option.stderr.strip() == "error: --site: no site named 'Kazan'"  # option wins
    monkeypatch.delenv("SMENA_LANG")
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    by_locale = smena("import", "schedule", str(bad), "--site", "Kazan")
    assert by_locale.stderr.strip() == "error: --site: нет площадки с названием 'Kazan'"


def test_a_language_the_command_does_not_speak_is_refused_naming_where_it_came_from(
    smena: Run, center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_option = smena("--lang", "de", "migrate")
    assert by_option.exit_code == 2 and "--lang" in by_option.stderr
    monkeypatch.setenv("SMENA_LANG", "de")
    by_variable = smena("create-user", "olga", "--role", "manager", "--password-stdin")
    assert by_variable.exit_code == 2
    assert by_variable.stderr.strip() == "error: SMENA_LANG: must be ru or en, not 'de'"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "ru_RU.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "C", "LC_MESSAGES": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_the_terminal_locale_picks_russian_or_else_english(
    environ: dict[str, str], expected: str
) -> None:
    assert posix_locale(environ) == expected
