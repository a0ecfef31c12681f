"""Background jobs: queued in a request, run once by a worker, shown by a polling fragment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import transaction, utcnow
from app.jobs import service
from app.jobs.service import JobContext, job_handler
from app.jobs.worker import Worker
from app.models import Job, JobStatus, User
from tests.app.conftest import Center


@job_handler("test.sum")
def _sum(_db: Session, context: JobContext) -> dict[str, Any]:
    numbers = context.params["numbers"]
    context.progress(0.5, "adding")
    return {"total": sum(numbers), "url": "/"}


@job_handler("test.boom")
def _boom(_db: Session, _context: JobContext) -> dict[str, Any]:
    raise ValueError("the instance has no agents")


def _enqueue(app: FastAPI, kind: str, params: dict[str, Any], site_id: int | None) -> int:
    with transaction(app.state.sessionmaker) as db:
        return service.enqueue(db, kind=kind, params=params, user=None, site_id=site_id).id


def _job(app: FastAPI, job_id: int) -> Job:
    with app.state.sessionmaker() as db:
        job = db.get(Job, job_id)
        assert job is not None
        return job


def test_a_worker_runs_a_job_once_and_stores_its_result(app: FastAPI, center: Center) -> None:
    job_id = _enqueue(app, "test.sum", {"numbers": [1, 2, 3]}, center.site_id)
    worker = Worker(app.state.sessionmaker)
    assert worker.run_once() is True
    assert worker.run_once() is False  # nothing left: the job is not run twice
    job = _job(app, job_id)
    assert (job.status, job.result, job.progress) == (JobStatus.DONE, {"total": 6, "url": "/"}, 1.0)
    assert job.started_at is not None and job.finished_at is not None


def test_a_failing_job_is_marked_failed_with_its_reason(app: FastAPI, center: Center) -> None:
    job_id = _enqueue(app, "test.boom", {}, center.site_id)
    Worker(app.state.sessionmaker).run_once()
    job = _job(app, job_id)
    assert job.status == JobStatus.FAILED
    assert job.error == "ValueError: the instance has no agents"


def test_a_claimed_job_cannot_be_claimed_again(app: FastAPI, center: Center) -> None:
    _enqueue(app, "test.sum", {"numbers": []}, center.site_id)
    factory = app.state.sessionmaker
    with factory() as first, factory() as second:
        claimed = service.claim_next(first, worker="w1", now=utcnow())
        first.commit()
        assert claimed is not None
        assert service.claim_next(second, worker="w2", now=utcnow()) is None


def test_the_status_fragment_polls_until_the_job_ends(
    app: FastAPI, center: Center, as_role: Callable[[str], TestClient]
) -> None:
    job_id = _enqueue(app, "test.sum", {"numbers": [2, 2]}, center.site_id)
    client = as_role("supervisor")
    waiting = client.get(f"/jobs/{job_id}")
    assert waiting.status_code == 200
    assert 'hx-trigger="every 1s"' in waiting.text
    assert "HX-Trigger" not in waiting.headers
    Worker(app.state.sessionmaker).run_once()
    ended = client.get(f"/jobs/{job_id}")
    assert 'hx-trigger="every 1s"' not in ended.text
    assert "jobEnded" in ended.headers["HX-Trigger"]


def test_a_job_of_another_site_is_not_found_for_a_supervisor(
    app: FastAPI, center: Center, as_role: Callable[[str], TestClient], db: Session
) -> None:
    job_id = _enqueue(app, "test.sum", {"numbers": [1]}, center.other_site_id)
    assert as_role("supervisor").get(f"/jobs/{job_id}").status_code == 404
    assert as_role("manager").get(f"/jobs/{job_id}").status_code == 200
    assert db.scalar(select(User.id).where(User.login == "manager")) is not None


def test_the_in_process_worker_runs_jobs_while_the_app_serves(app: FastAPI, center: Center) -> None:
    app.state.settings.jobs_in_process = True
    with TestClient(app):
        assert app.state.worker is not None
        job_id = _enqueue(app, "test.sum", {"numbers": [5, 5]}, center.site_id)
        for _attempt in range(100):
            if _job(app, job_id).status == JobStatus.DONE:
                break
            app.state.worker._stop.wait(0.05)
    assert _job(app, job_id).result == {"total": 10, "url": "/"}
