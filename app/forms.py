"""Reading form fields with errors kept per field, in the user's language."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import Depends, Request
from starlette.datastructures import FormData

from app.i18n import _

N = TypeVar("N", int, float)


async def posted_form(request: Request) -> FormData:
    """The posted form, parsed on the event loop (Starlette keeps it on the request, so the
    CSRF check's read is reused): the handler taking it stays a plain `def` and runs its
    database work in the threadpool, not on the loop."""
    return await request.form()


# A handler's posted form; put it after the role guard so the guard runs first.
Posted = Annotated[FormData, Depends(posted_form)]


class Form:
    """Raw form values plus the errors found while reading them, keyed by field name."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.values: dict[str, str] = {k: v for k, v in raw.items() if isinstance(v, str)}
        self.errors: dict[str, str] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        """Note an error on a field (the first one found is kept)."""
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = True, max_length: int = 120) -> str:
        value = self.values.get(name, "").strip()
        if required and not value:
            self.error(name, _("Required."))
        elif len(value) > max_length:
            self.error(name, _("At most {n} characters.").format(n=max_length))
        return value

    def integer(
        self,
        name: str,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = True,
    ) -> int | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, _("Required."))
            return None
        try:
            value = int(raw)
        except ValueError:
            self.error(name, _("A whole number, please."))
            return None
        return self._in_range(name, value, minimum, maximum)

    def number(self, name: str, *, minimum: float, maximum: float) -> float | None:
        raw = self.values.get(name, "").strip().replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            self.error(name, _("A number, please.") if raw else _("Required."))
            return None
        if not math.isfinite(value):  # float() also reads "nan" and "inf"
            self.error(name, _("A number, please."))
            return None
        return self._in_range(name, value, minimum, maximum)

    def choice(self, name: str, options: Iterable[str]) -> str:
        value = self.values.get(name, "")
        if value not in set(options):
            self.error(name, _("Choose one of the options."))
        return value

    def checkbox(self, name: str) -> bool:
        return self.values.get(name) in ("on", "true", "1")

    def timezone(self, name: str) -> str:
        value = self.text(name, max_length=64)
        if value and value not in available_timezones():
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                self.error(name, _("Not a known time zone (e.g. Europe/Moscow)."))
        return value

    def _in_range(self, name: str, value: N, minimum: N | None, maximum: N | None) -> N | None:
        if minimum is not None and value < minimum:
            self.error(name, _("At least {n}.").format(n=minimum))
            return None
        if maximum is not None and value > maximum:
            self.error(name, _("At most {n}.").format(n=maximum))
            return None
        return value
