"""The Requests page: operators' requests to move a break, approved or refused (thin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from app.auth.guards import Db, allow
from app.break_moves import service
from app.db import utcnow
from app.forms import Form, Posted
from app.models import User
from app.web import STAFF, answer_decision, render

router = APIRouter(prefix="/requests")
Staff = Annotated[User, Depends(allow(*STAFF))]


@router.get("", name="break_requests")
def requests_page(request: Request, db: Db, user: Staff) -> Response:
    rows = service.requests_in_reach(db, user=user, now=utcnow())
    return render(request, "break_moves/page.html", {"rows": rows})


@router.post("/{request_id}", name="break_request_decide")
def decide(request: Request, db: Db, user: Staff, request_id: int, posted: Posted) -> Response:
    """Approve (`decision=approve`) or refuse, with an optional note; answers the row."""
    row = service.request_in_reach(db, user=user, request_id=request_id)
    if row is None:
        raise HTTPException(404)
    form = Form(posted)
    decision = form.choice("decision", ["approve", "refuse"])
    if not form.ok:
        refusal: str | None = form.errors["decision"]
    else:
        refusal = service.decide(
            db,
            user=user,
            request=row.request,
            approve=decision == "approve",
            note=form.values.get("note", "").strip(),
            now=utcnow(),
        )
    row = service.request_in_reach(db, user=user, request_id=request_id) or row
    return answer_decision(
        request,
        "break_moves/_request_row.html",
        {"row": row, "refusal": refusal},
        refusal=refusal,
        back_to=request.url_for("break_requests").path,
    )
