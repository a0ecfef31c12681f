"""Russian and English: gettext catalogs, compiled from .po on start, chosen per request."""

from __future__ import annotations

import gettext
import re
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALES = ("ru", "en")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

current_locale: ContextVar[str] = ContextVar("current_locale", default="ru")


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> None:
    """Compile every .po to .mo when the .mo is missing or older (done at start-up)."""
    for po_path in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)
    translations.cache_clear()


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of `locale` (English is the source language)."""
    if locale == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[locale], fallback=False)


def gettext_(message: str) -> str:
    """`message` in the current request's language."""
    return translations(current_locale.get()).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message, by `n`, in the current language."""
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext_


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


# Messages built at run time, listed here so that extraction finds them.
ROLE_NAMES = (N_("admin"), N_("manager"), N_("supervisor"), N_("operator"))
WEEKDAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def pick_locale(*candidates: str | None) -> str:
    """The first supported locale among the candidates (user, cookie, Accept-Language)."""
    for candidate in candidates:
        if not candidate:
            continue
        for part in candidate.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LOCALES:
                return code
    return LOCALES[0]


def local_datetime(value: datetime, timezone: str, fmt: str = "short") -> str:
    """An instant shown in the site's zone, in the current language."""
    return format_datetime(value.astimezone(ZoneInfo(timezone)), fmt, locale=current_locale.get())


def local_time(value: datetime, timezone: str) -> str:
    """Hours and minutes of an instant in the site's zone."""
    return format_time(value.astimezone(ZoneInfo(timezone)), "HH:mm", locale=current_locale.get())


def local_date(value: datetime, timezone: str, fmt: str = "medium") -> str:
    """The date of an instant in the site's zone, in the current language."""
    return format_date(value.astimezone(ZoneInfo(timezone)), fmt, locale=current_locale.get())


def number(value: float, digits: int = 0, *, trim: bool = False) -> str:
    """A number as the current language writes it (1,234.5 / 1 234,5): `digits` decimals,
    or up to `digits` with `trim`."""
    decimals = ("#" if trim else "0") * digits
    pattern = "#,##0" + (f".{decimals}" if digits else "")
    return format_decimal(value, pattern, locale=current_locale.get())


def percent(share: float, digits: int = 0, *, trim: bool = False) -> str:
    """A share (0.125) as a percentage in the current language (12.5% / 12,5 %)."""
    locale = Locale.parse(current_locale.get())
    pattern = locale.percent_formats[None].pattern  # "#,##0%", "#,##0\xa0%"
    if digits:
        decimals = ("#" if trim else "0") * digits
        pattern = re.sub(r"0(?=[^0#]*$)", f"0.{decimals}", pattern, count=1)  # the last 0
    return format_percent(share, pattern, locale=locale)
