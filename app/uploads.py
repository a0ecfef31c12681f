"""CSV upload pages: the form read with its file, the sites offered, and the page after.

Every upload page (templates/csv_import.html) imports a whole file or nothing: a file with
bad lines comes back 422 listing each (line, column, reason).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile  # what request.form() gives, not FastAPI's

from app.auth.scope import SiteChoice, id_param, sites_and_teams, visible_sites
from app.i18n import _
from app.models import User
from app.web import render

PART_BYTES = 1024 * 1024  # Starlette's own limit for a form part


@dataclass(frozen=True)
class Upload:
    """The form's text fields and its file, read whole (filename "" when none was chosen)."""

    fields: dict[str, str]
    filename: str
    content: bytes

    def site_choice(self, db: Session, user: User) -> SiteChoice:
        """The site the upload is for: one the user chose and may see, else 404."""
        return sites_and_teams(db, user, id_param(self.fields.get("site_id")), strict=True)


class Imported(Protocol):
    """What an importer returns: the bad lines (nothing written) or its counts."""

    @property
    def errors(self) -> Sequence[Any]: ...


async def read_upload(request: Request, *, max_part_size: int = PART_BYTES) -> Upload:
    """The posted form, its file read and its temporary file closed."""
    form = await request.form(max_part_size=max_part_size)
    upload = form.get("file")
    chosen = upload if isinstance(upload, UploadFile) and upload.filename else None
    content = await chosen.read() if chosen else b""
    fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    await form.close()
    return Upload(fields, (chosen.filename or "") if chosen else "", content)


def uploaded(max_part_size: int = PART_BYTES) -> Callable[[Request], Awaitable[Upload]]:
    """A dependency giving the posted upload, read on the event loop, so the handler taking it
    stays a plain `def` and does its database work in the threadpool."""

    async def posted_upload(request: Request) -> Upload:
        return await read_upload(request, max_part_size=max_part_size)

    return posted_upload


# An upload page's posted form and file; put it after the role guard so the guard runs first.
Uploaded = Annotated[Upload, Depends(uploaded())]


def upload_sites(db: Session, user: User, site_id: int | None) -> dict[str, Any]:
    """The sites offered and the one chosen (None, and a note on the page, when none is seen)."""
    if site_id is None and not visible_sites(db, user):
        return {"sites": [], "site": None}
    choice = sites_and_teams(db, user, site_id)
    return {"sites": choice.sites, "site": choice.site}


def missing_file(request: Request, template: str, context: dict[str, Any]) -> Response:
    """The page again, 422, asking for the file."""
    context = context | {"file_error": _("Choose a CSV file.")}
    return render(request, template, context, status_code=422)


def import_result(
    request: Request, template: str, context: dict[str, Any], *, result: Imported, filename: str
) -> Response:
    """The page with every bad line (422: nothing was written) or what was imported."""
    context = context | {"result": result, "filename": filename}
    return render(request, template, context, status_code=422 if result.errors else 200)
