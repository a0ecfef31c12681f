"""The status fragment of a background job: it polls itself until the job has ended."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import or_, select

from app.auth.guards import Db, allow
from app.auth.scope import site_scope
from app.models import Job, JobStatus, User
from app.web import STAFF, render

router = APIRouter()
Staff = Annotated[User, Depends(allow(*STAFF))]


@router.get("/jobs/{job_id}", name="job_status")
def job_status(request: Request, db: Db, user: Staff, job_id: int) -> Response:
    job = db.scalar(
        select(Job).where(
            Job.id == job_id, or_(Job.created_by == user.id, site_scope(user, Job.site_id))
        )
    )
    if job is None:
        raise HTTPException(404)
    ended = job.status in (JobStatus.DONE, JobStatus.FAILED)
    headers = (
        {
            "HX-Trigger": json.dumps(
                {"jobEnded": {"id": job.id, "kind": job.kind, "status": job.status}}
            )
        }
        if ended
        else {}
    )
    return render(request, "jobs/_job_status.html", {"job": job, "ended": ended}, headers=headers)
