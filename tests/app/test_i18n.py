"""The Russian catalog and the page language.

The messages of app/ and templates/ are extracted afresh, in memory, the way scripts/i18n
extracts them, so a string added without a translation fails here by name (run scripts/i18n,
then translate it); placeholders must survive translation. The page language is chosen with
the language switch and kept in the session and on the user.
"""

from __future__ import annotations

import functools
import gettext
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import i18n
from app.models import User
from tests.app.conftest import Center, csrf_of
from tests.app.quick_passwords import quicken_passwords

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("app", "templates")
RU_PO = i18n.LOCALE_DIR / "ru" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
# Babel's defaults plus the project's own names (app/i18n.py), as in scripts/i18n.
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "gettext_": None, "ngettext_": (1, 2)}
JINJA_EXTRACTOR = "jinja2.ext:babel_extract"
# `{name}` / `{n:g}` for str.format, `%(name)s` for Jinja's newstyle gettext.
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[a-z]")
# Jinja's newstyle gettext applies `%` to every message, so a stray `%` would break a page.
PERCENT_ESCAPES = re.compile(r"%%|%\([^)]*\)[a-z]")


@dataclass(frozen=True)
class Extracted:
    """One message found in the source, and where."""

    msgid: str | tuple[str, ...]
    context: str | None
    where: str

    @property
    def key(self) -> str:
        return self.msgid if isinstance(self.msgid, str) else self.msgid[0]


def _in_sources(dirpath: str) -> bool:
    relative = Path(dirpath).relative_to(ROOT)
    name = relative.name
    return relative.parts[0] in SOURCE_DIRS and not name.startswith((".", "_"))


@functools.cache
def extracted() -> tuple[Extracted, ...]:
    """Every message of app/ and templates/, extracted with babel.cfg's method map."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))
    method_map = [
        (pattern, JINJA_EXTRACTOR if method == "jinja2" else method)
        for pattern, method in method_map
    ]
    found: list[Extracted] = []
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=_in_sources
    ):
        first = message if isinstance(message, str) else message[0]
        if first:
            found.append(Extracted(message, context, f"{filename}:{lineno}"))
    return tuple(found)


@functools.cache
def ru_catalog() -> Catalog:
    with RU_PO.open("rb") as po_file:
        return read_po(po_file)


def translations_of(message: Message) -> tuple[str, ...]:
    """The translation, or each plural form of it."""
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return tuple(form or "" for form in forms)


def catalog_messages() -> Iterator[Message]:
    return (message for message in ru_catalog() if message.id)


def test_extraction_finds_python_and_template_messages() -> None:
    wheres = [message.where for message in extracted()]
    assert any(where.startswith("app/") for where in wheres)
    assert any(where.startswith("templates/") for where in wheres)
    keys = {message.key for message in extracted()}
    assert {"Sign out", "supervisor", "Mon"} <= keys  # a template, N_ in a tuple, N_ again


def test_every_extracted_message_has_a_russian_translation() -> None:
    catalog = ru_catalog()
    problems = []
    for found in extracted():
        message = catalog.get(found.msgid, found.context)
        if message is None:
            problems.append(f"{found.where}: {found.msgid!r} is not in the catalog")
        elif message.fuzzy:
            problems.append(f"{found.where}: {found.msgid!r} is fuzzy")
        elif not all(text.strip() for text in translations_of(message)):
            problems.append(f"{found.where}: {found.msgid!r} has no translation")
        elif isinstance(found.msgid, tuple) and (
            not isinstance(message.id, tuple)
            or message.id[1] != found.msgid[1]
            or len(translations_of(message)) != catalog.num_plurals
        ):
            problems.append(f"{found.where}: {found.msgid!r} lacks its plural forms")
    assert not problems, "run scripts/i18n and translate:\n" + "\n".join(sorted(set(problems)))


def test_no_fuzzy_entries_left() -> None:
    fuzzy = [message.id for message in catalog_messages() if message.fuzzy]
    assert not fuzzy


def test_translations_keep_the_placeholders() -> None:
    problems = []
    for message in catalog_messages():
        sources = (message.id,) if isinstance(message.id, str) else message.id
        expected = set().union(*(PLACEHOLDER.findall(text) for text in sources))
        stray_percents = max(PERCENT_ESCAPES.sub("", text).count("%") for text in sources)
        for text in translations_of(message):
            if not text:
                continue
            if set(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"{message.id!r} -> {text!r}: placeholders differ")
            if PERCENT_ESCAPES.sub("", text).count("%") > stray_percents:
                problems.append(f"{message.id!r} -> {text!r}: a bare % (write %%)")
    assert not problems, "\n".join(problems)


def test_russian_catalog_has_three_plural_forms() -> None:
    assert ru_catalog().num_plurals == 3


def test_compiled_catalog_translates(tmp_path: Path) -> None:
    locale_dir = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale_dir, ignore=shutil.ignore_patterns("*.mo"))
    i18n.compile_catalogs(locale_dir)
    assert (locale_dir / "ru" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo").is_file()
    russian = gettext.translation(i18n.DOMAIN, locale_dir, languages=["ru"])
    assert russian.gettext("Sign out") == "Выйти"
    assert russian.gettext("supervisor") == "супервизор"
    assert russian.gettext("Mon") == "Пн"


# The language switch, on the database of each test.


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


def test_the_language_switch_renders_pages_in_russian(
    client: TestClient, center: Center, db: Session, as_role: Callable[[str], TestClient]
) -> None:
    english = client.get("/login")
    assert '<html lang="en">' in english.text and ">Sign in<" in english.text
    switched = client.post(
        "/language",
        data={"locale": "ru", "next": "/login", "csrf_token": csrf_of(english.text)},
        follow_redirects=False,
    )
    assert (switched.status_code, switched.headers["location"]) == (303, "/login")
    russian = client.get("/login").text
    assert '<html lang="ru">' in russian and ">Войти<" in russian
    with TestClient(client.app) as browser:
        by_header = browser.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
        assert '<html lang="ru">' in by_header
    operator = as_role("operator")
    assert '<html lang="en">' in operator.get("/me/shifts").text  # the user's own language
    operator.post("/language", data={"locale": "ru", "next": "/me/shifts"})
    page = operator.get("/me/shifts").text
    assert '<html lang="ru">' in page and "Мои смены" in page
    db.expire_all()
    assert db.get(User, center.users["operator"]).locale == "ru"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", ("1,234.5", "7.5", "7", "12.5%")), ("ru", ("1\xa0234,5", "7,5", "7", "12,5\xa0%"))],
)
def test_numbers_are_written_as_the_language_writes_them(
    locale: str, expected: tuple[str, ...]
) -> None:
    token = i18n.current_locale.set(locale)
    try:
        written = (
            i18n.number(1234.5, 1),
            i18n.number(7.5, 1, trim=True),
            i18n.number(7.0, 1, trim=True),
            i18n.percent(0.125, 1),
        )
    finally:
        i18n.current_locale.reset(token)
    assert written == expected


def test_templates_write_fractions_through_the_number_filters() -> None:
    """ "%.1f"|format or "{:,}" would write 1,234.5 to a Russian reader too."""
    english_only = re.compile(r'"%\.[1-9]f|"%g|\{:,')
    templates = Path(__file__).resolve().parents[2] / "templates"
    found = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if english_only.search(line)
    ]
    assert found == []
