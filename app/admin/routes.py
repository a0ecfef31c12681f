"""Routes of the configuration screens, one set per resource (thin: parse, call, render)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.admin import resources as svc
from app.admin.resources import Resource
from app.admin.specs import RESOURCES
from app.auth.guards import Db, RoleGuard
from app.auth.scope import site_scope
from app.forms import Form, Posted
from app.i18n import _
from app.models import Queue, Site, User
from app.web import is_htmx, redirect, render

router = APIRouter(prefix="/admin")


def _context(db: Session, resource: Resource, user: User, **extra: Any) -> dict[str, Any]:
    queues = db.execute(
        select(Queue, Site.name)
        .join(Site)
        .where(Queue.active, site_scope(user, Queue.site_id))
        .order_by(Site.name, Queue.name)
    ).all()
    options = {f.name: f.options(db, user) for f in resource.fields if f.options}
    return {
        "resource": resource,
        "options": options,
        "queues": queues,
        "can_edit": user.role in resource.edit_roles,
        "marked_count": svc.count_marked(db, resource, user),
        "marked_only": False,
    } | extra


def _row_or_404(db: Session, resource: Resource, user: User, row_id: int) -> Any:
    obj = svc.get_row(db, resource, user, row_id)
    if obj is None:
        raise HTTPException(404)
    return obj


def _add_routes(resource: Resource) -> None:
    viewer = RoleGuard(resource.view_roles)
    editor = RoleGuard(resource.edit_roles)
    base = f"admin_{resource.name}"

    def page(
        request: Request, db: Db, user: User = Depends(viewer), marked: bool = False
    ) -> Response:
        marked = marked and resource.marker is not None
        rows = svc.list_rows(db, resource, user, marked_only=marked)
        ctx = _context(db, resource, user, rows=rows, values={}, errors={}, marked_only=marked)
        return render(request, "admin/page.html", ctx)

    def create(
        request: Request, db: Db, user: User = Depends(editor), *, posted: Posted
    ) -> Response:
        form = Form(posted)
        obj = svc.create_row(db, resource, user, form)
        if obj is None:
            ctx = _context(
                db,
                resource,
                user,
                values=form.values,
                errors=form.errors,
                rows=svc.list_rows(db, resource, user),
            )
            template = "admin/_create_form.html" if is_htmx(request) else "admin/page.html"
            return render(request, template, ctx, status_code=422)
        return redirect(request, request.url_for(base).path, _("Saved."))

    def row(request: Request, db: Db, row_id: int, user: User = Depends(viewer)) -> Response:
        obj = _row_or_404(db, resource, user, row_id)
        return render(request, "admin/_row.html", _context(db, resource, user, row=obj))

    def edit(request: Request, db: Db, row_id: int, user: User = Depends(editor)) -> Response:
        obj = _row_or_404(db, resource, user, row_id)
        ctx = _context(db, resource, user, row=obj, values=resource.form_values(obj), errors={})
        return render(request, "admin/_row_form.html", ctx)

    def update(
        request: Request, db: Db, row_id: int, user: User = Depends(editor), *, posted: Posted
    ) -> Response:
        obj = _row_or_404(db, resource, user, row_id)
        form = Form(posted)
        if not svc.update_row(db, resource, user, obj, form):
            ctx = _context(db, resource, user, row=obj, values=form.values, errors=form.errors)
            return render(request, "admin/_row_form.html", ctx, status_code=422)
        db.expire(obj)  # reload relationships the edit may have changed
        obj = _row_or_404(db, resource, user, row_id)
        return render(request, "admin/_row.html", _context(db, resource, user, row=obj))

    def activate(
        request: Request, db: Db, row_id: int, user: User = Depends(editor), *, posted: Posted
    ) -> Response:
        obj = _row_or_404(db, resource, user, row_id)
        active = Form(posted).checkbox("active")
        refusal = svc.set_active(db, resource, user, obj, active)
        ctx = _context(db, resource, user, row=obj, refusal=refusal)
        return render(request, "admin/_row.html", ctx, status_code=422 if refusal else 200)

    def review(request: Request, db: Db, row_id: int, user: User = Depends(editor)) -> Response:
        obj = _row_or_404(db, resource, user, row_id)
        svc.clear_marker(db, resource, user, obj)
        if not is_htmx(request):
            listed = f"{request.url_for(base).path}?marked=1"  # the rows still to review
            return redirect(request, listed, _("Marked as reviewed."))
        return render(request, "admin/_row.html", _context(db, resource, user, row=obj))

    path = f"/{resource.name}"
    if resource.marker is not None:
        router.add_api_route(
            f"{path}/{{row_id}}/reviewed", review, methods=["POST"], name=f"{base}_reviewed"
        )
    router.add_api_route(path, page, methods=["GET"], name=base)
    router.add_api_route(path, create, methods=["POST"], name=f"{base}_create")
    router.add_api_route(f"{path}/{{row_id}}", row, methods=["GET"], name=f"{base}_row")
    router.add_api_route(f"{path}/{{row_id}}/edit", edit, methods=["GET"], name=f"{base}_edit")
    router.add_api_route(f"{path}/{{row_id}}", update, methods=["POST"], name=f"{base}_update")
    router.add_api_route(
        f"{path}/{{row_id}}/active", activate, methods=["POST"], name=f"{base}_active"
    )


for _resource in RESOURCES:
    _add_routes(_resource)
