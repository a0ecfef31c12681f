"""Queues and agents the live feed named first: marked on the admin lists, listed on their own,
set up by a person and marked reviewed; every change audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.events.registry import agent_ids, queue_ids
from app.models import Agent, AgentSkill, Queue
from tests.app.conftest import Center
from tests.app.quick_passwords import quicken_passwords
from tests.app.test_admin import audit

Clients = Callable[[str], TestClient]
MARK = 'data-marker="found_in_feed"'


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


@pytest.fixture
def found(center: Center, db: Session) -> dict[str, int]:
    """An agent and a queue registered by the feed (through the feed's own registry)."""
    agent = agent_ids(db, site_id=center.site_id, codes=["7781"], only_named=True)["7781"]
    queue = queue_ids(db, site_id=center.site_id, names=["VQ_CARDS"], only_named=True)["VQ_CARDS"]
    other = agent_ids(db, site_id=center.other_site_id, codes=["9001"], only_named=True)["9001"]
    db.commit()
    return {"agent": agent, "queue": queue, "other_site_agent": other}


def _rows(html: str, resource: str) -> list[str]:
    """The row ids the list shows, in order."""
    body = html.split(f'id="{resource}-table"')[1]
    return [part.split('"')[0] for part in body.split(f'<tr id="{resource}-')[1:]]


def test_agents_found_in_the_feed_are_marked_and_listed_on_their_own(
    center: Center, found: dict[str, int], as_role: Clients
) -> None:
    client = as_role("supervisor")
    everyone = client.get("/admin/agents").text
    assert set(_rows(everyone, "agents")) >= {str(found["agent"]), str(center.agent_id)}
    assert everyone.count(MARK) == 1  # the other site's agent is out of the supervisor's reach
    assert 'id="agents-marked-count">1<' in everyone
    just_found = client.get("/admin/agents?marked=1").text
    assert _rows(just_found, "agents") == [str(found["agent"])]
    assert "The live feed named these agents" in just_found
    assert "Mark reviewed" in just_found
    manager = as_role("manager").get("/admin/agents?marked=1").text
    assert set(_rows(manager, "agents")) == {str(found["agent"]), str(found["other_site_agent"])}


def test_a_found_agent_is_set_up_then_marked_reviewed_and_both_are_audited(
    center: Center, found: dict[str, int], db: Session, as_role: Clients
) -> None:
    client = as_role("supervisor")
    agent_id = found["agent"]
    form = {
        "site_id": str(center.site_id),
        "code": "7781",
        "display_name": "Galina Orlova",
        "team_id": str(center.team_id),
        "user_id": str(center.spare_user_id),
        "contracted_weekly_hours": "40",
        f"skill_{center.queue_id}": "3",
    }
    edited = client.post(f"/admin/agents/{agent_id}", data=form, headers={"HX-Request": "true"})
    assert edited.status_code == 200 and "Galina Orlova" in edited.text
    assert MARK in edited.text  # set up, not yet reviewed
    reviewed = client.post(f"/admin/agents/{agent_id}/reviewed", headers={"HX-Request": "true"})
    assert reviewed.status_code == 200 and MARK not in reviewed.text
    assert "Galina Orlova" in reviewed.text and "Mark reviewed" not in reviewed.text
    db.expire_all()
    agent = db.get(Agent, agent_id)
    assert agent is not None and not agent.found_in_feed
    assert (agent.team_id, agent.user_id, agent.contracted_weekly_hours) == (
        center.team_id,
        center.spare_user_id,
        40,
    )
    skills = db.scalars(select(AgentSkill).where(AgentSkill.agent_id == agent_id)).all()
    assert [(s.queue_id, s.level) for s in skills] == [(center.queue_id, 3)]
    changes = audit(db, "agents", agent_id)
    assert [c[0] for c in changes] == ["update", "review"]
    _action, before, after = changes[1]
    assert (before["found_in_feed"], after["found_in_feed"]) == (True, False)
    assert after["skills"] == {str(center.queue_id): 3}
    assert _rows(client.get("/admin/agents?marked=1").text, "agents") == []
    # reviewing again changes nothing and logs nothing
    assert client.post(f"/admin/agents/{agent_id}/reviewed").status_code == 200
    assert len(audit(db, "agents", agent_id)) == 2


def test_a_found_queue_is_renamed_and_reviewed_without_javascript(
    center: Center, found: dict[str, int], db: Session, as_role: Clients
) -> None:
    client = as_role("supervisor")
    queue_id = found["queue"]
    page = client.get("/admin/queues?marked=1").text
    assert _rows(page, "queues") == [str(queue_id)] and MARK in page
    assert (
        "The live feed finds the queue by this name"
        in client.get(f"/admin/queues/{queue_id}/edit").text
    )
    renamed = client.post(
        f"/admin/queues/{queue_id}", data={"site_id": str(center.site_id), "name": "Cards"}
    )
    assert renamed.status_code == 200 and "Cards" in renamed.text
    done = client.post(f"/admin/queues/{queue_id}/reviewed", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/admin/queues?marked=1"
    after = client.get(done.headers["location"]).text
    assert "Marked as reviewed." in after and "Nothing left to review." in after
    assert 'id="queues-marked-count">0<' in after
    db.expire_all()
    queue = db.get(Queue, queue_id)
    assert queue is not None and (queue.name, queue.found_in_feed) == ("Cards", False)
    assert [c[0] for c in audit(db, "queues", queue_id)] == ["update", "review"]


def test_only_staff_may_review_and_only_within_their_sites(
    center: Center, found: dict[str, int], db: Session, as_role: Clients
) -> None:
    operator = as_role("operator")
    assert operator.post(f"/admin/agents/{found['agent']}/reviewed").status_code == 403
    assert operator.get("/admin/agents?marked=1").status_code == 403
    supervisor = as_role("supervisor")
    outside = supervisor.post(f"/admin/agents/{found['other_site_agent']}/reviewed")
    assert outside.status_code == 404
    db.expire_all()
    for agent_id in (found["agent"], found["other_site_agent"]):
        agent = db.get(Agent, agent_id)
        assert agent is not None and agent.found_in_feed
    assert audit(db, "agents", found["other_site_agent"]) == []
    # a list without a marker ignores the filter, and has no review route
    assert as_role("admin").get("/admin/sites?marked=1").status_code == 200
    assert as_role("admin").post(f"/admin/sites/{center.site_id}/reviewed").status_code in (
        404,
        405,
    )
