"""The admin's API tokens screen and the call-record (CDR) upload page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.guards import Db, allow
from app.events import tokens
from app.events.imports import MAX_UPLOAD_BYTES, import_cdr
from app.forms import Form, Posted
from app.i18n import _
from app.models import ApiToken, Role, Site, User
from app.uploads import Upload, import_result, missing_file, upload_sites, uploaded
from app.web import STAFF, redirect, render

router = APIRouter()
Admin = Annotated[User, Depends(allow(Role.ADMIN))]
Staff = Annotated[User, Depends(allow(*STAFF))]
CdrUpload = Annotated[Upload, Depends(uploaded(MAX_UPLOAD_BYTES))]  # call logs run large


def _tokens_page(request: Request, db: Session, status_code: int = 200, **extra: Any) -> Response:
    context = {
        "tokens": tokens.list_tokens(db),
        "sites": _sites_all(db),
        "values": {},
        "errors": {},
    }
    return render(request, "events/api_tokens.html", context | extra, status_code=status_code)


def _sites_all(db: Session) -> list[Site]:
    return list(db.scalars(select(Site).where(Site.active).order_by(Site.name)))


@router.get("/admin/api-tokens", name="api_tokens")
def api_tokens(request: Request, db: Db, user: Admin) -> Response:
    return _tokens_page(request, db)


@router.post("/admin/api-tokens", name="api_token_create")
def api_token_create(request: Request, db: Db, user: Admin, posted: Posted) -> Response:
    form = Form(posted)
    label = form.text("label")
    site_id = form.values.get("site_id", "")
    site = db.get(Site, int(site_id)) if site_id.isdigit() else None
    if site is None or not site.active:
        form.error("site_id", _("Choose a site."))
    if not form.ok or site is None:
        return _tokens_page(request, db, 422, values=form.values, errors=form.errors)
    token, raw = tokens.issue_token(db, user=user, site=site, label=label)
    return _tokens_page(request, db, new_token=raw, new_token_label=token.label)


@router.post("/admin/api-tokens/{token_id}/revoke", name="api_token_revoke")
def api_token_revoke(request: Request, db: Db, user: Admin, token_id: int) -> Response:
    token = db.get(ApiToken, token_id)
    if token is None:
        raise HTTPException(404)
    tokens.revoke_token(db, user=user, token=token)
    message = _("Token “{label}” revoked: the feed using it is refused from now on.")
    return redirect(request, str(request.url_for("api_tokens")), message.format(label=token.label))


@router.get("/calls/import", name="cdr_import")
def cdr_import_page(request: Request, db: Db, user: Staff, site_id: int | None = None) -> Response:
    return render(request, "events/cdr_import.html", upload_sites(db, user, site_id))


@router.post("/calls/import", name="cdr_import_submit")
def cdr_import_submit(request: Request, db: Db, user: Staff, upload: CdrUpload) -> Response:
    choice = upload.site_choice(db, user)
    context = {"sites": choice.sites, "site": choice.site}
    if not upload.filename:
        return missing_file(request, "events/cdr_import.html", context)
    result = import_cdr(db, site=choice.site, content=upload.content)
    if result.errors:
        db.rollback()
    return import_result(
        request, "events/cdr_import.html", context, result=result, filename=upload.filename
    )
