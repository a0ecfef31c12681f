"""The Floor's figures, adherence and alerts on stored events, and its screen."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import i18n
from app.events.service import calls_between, states_between
from app.floor import alert_store, service
from app.floor.words import alert_text
from app.models import AuditEntry, FloorAlert, Site, User
from kpi.adherence import Activity
from kpi.alerts import Alert, AlertKind
from kpi.live import live_board
from kpi.records import AgentState
from tests.app.conftest import Center
from tests.app.floor_setup import BREAK_START, T0, morning_events, publish_break, store

NOW = BREAK_START + timedelta(minutes=10)  # 11:40 in Moscow, ten minutes into the break


def _morning(db: Session, center: Center) -> Site:
    site = db.get(Site, center.site_id)
    assert site is not None
    store(db, site, morning_events())
    publish_break(db, site, center.agent_id)
    return site


def test_board_figures_are_the_kpi_engines_on_the_stored_data(db: Session, center: Center) -> None:
    site = _morning(db, center)
    floor = service.load_floor(db, site=site, now=NOW)
    day_start = T0 - timedelta(hours=8)  # Moscow midnight
    expected = live_board(
        calls_between(db, site_id=site.id, start=day_start, end=NOW),
        states_between(db, site_id=site.id, start=day_start, end=NOW),
        now=NOW,
        tz=ZoneInfo("Europe/Moscow"),
        thresholds=service.thresholds_of(site),
        queues=["Retail"],
    )
    assert floor.board == expected
    retail = floor.board.queues[0]
    assert (retail.queue, retail.today.offered, retail.today.answered) == ("Retail", 5, 3)
    assert retail.waiting_now == 1
    assert retail.longest_wait_seconds == 5 * 60  # c5, offered at 11:35
    assert retail.today.service_level == 2 / 5  # c1 and c3 in 20 s; c5 waits, counts offered
    assert floor.board.agents_by_state == {AgentState.ON_CALL: 1, AgentState.AVAILABLE: 1}
    assert [p.offered for p in floor.curve] == [2, 2, 1]  # 08:00, 08:30 and 11:30


def test_on_the_phones_through_a_published_break_is_out_of_adherence_after_the_grace(
    db: Session, center: Center
) -> None:
    site = _morning(db, center)
    in_grace = service.load_floor(db, site=site, now=BREAK_START + timedelta(seconds=90))
    vera = next(row for row in in_grace.agents if row.code == "A003")
    assert vera.activity is Activity.BREAK and not vera.out_of_adherence
    floor = service.load_floor(db, site=site, now=NOW)
    vera = next(row for row in floor.agents if row.code == "A003")
    assert vera.state is AgentState.ON_CALL
    assert vera.out_of_adherence
    assert vera.adherence is not None
    assert vera.adherence.out_of_adherence_since == BREAK_START + timedelta(
        seconds=service.GRACE_SECONDS
    )
    kinds = {alert.kind for alert in floor.alerts if alert.subject == "A003"}
    assert kinds == {AlertKind.OUT_OF_ADHERENCE}


def _recorded(db: Session, site: Site, now: datetime) -> service.Floor:
    floor = service.load_floor(db, site=site, now=now)
    service.record_alerts(db, floor=floor, now=now)
    return floor


def test_loading_the_floor_writes_nothing(db: Session, center: Center) -> None:
    site = _morning(db, center)
    floor = service.load_floor(db, site=site, now=NOW)
    assert any(alert.subject == "A003" for alert in floor.alerts)
    assert db.scalars(select(FloorAlert)).all() == []


def test_an_alert_is_kept_once_per_key_then_cleared(db: Session, center: Center) -> None:
    site = _morning(db, center)
    _recorded(db, site, NOW)
    _recorded(db, site, NOW + timedelta(minutes=1))
    rows = list(db.scalars(select(FloorAlert).where(FloorAlert.kind == "out_of_adherence")))
    assert len(rows) == 1
    assert rows[0].subject == "A003"
    assert rows[0].first_seen_at == NOW and rows[0].last_seen_at == NOW + timedelta(minutes=1)
    assert rows[0].cleared_at is None
    later = NOW + timedelta(hours=2)  # the break is long over, and so is the episode
    _recorded(db, site, later)
    db.refresh(rows[0])
    assert rows[0].cleared_at == later
    assert rows[0] not in alert_store.open_alerts(db, site_id=site.id)
    assert rows[0] in alert_store.alert_history(db, site_id=site.id)


def test_acknowledge_is_recorded_and_audited(db: Session, center: Center) -> None:
    site = _morning(db, center)
    _recorded(db, site, NOW)
    alert = db.scalars(select(FloorAlert).where(FloorAlert.kind == "out_of_adherence")).one()
    supervisor = db.get(User, center.users["supervisor"])
    assert supervisor is not None
    alert_store.acknowledge(db, alert=alert, user=supervisor, now=NOW)
    alert_store.acknowledge(db, alert=alert, user=supervisor, now=NOW + timedelta(minutes=5))
    assert (alert.acknowledged_by, alert.acknowledged_at) == (supervisor.id, NOW)
    audit = db.scalars(select(AuditEntry).where(AuditEntry.entity == "floor_alerts")).all()
    assert [(a.action, a.entity_id, a.user_id) for a in audit] == [
        ("acknowledge", str(alert.id), supervisor.id)
    ]


def test_the_board_sorts_and_filters_by_team(db: Session, center: Center) -> None:
    site = _morning(db, center)
    floor = service.load_floor(db, site=site, now=NOW)
    by_name = service.board_rows(floor.agents, now=NOW, team_id=None, sort="name")
    assert [r.code for r in by_name] == ["A002", "A003"]  # Boris, Vera
    by_adherence = service.board_rows(floor.agents, now=NOW, team_id=None, sort="adherence")
    assert by_adherence[0].code == "A003"  # out of adherence first
    assert service.board_rows(floor.agents, now=NOW, team_id=center.team_id + 99, sort="x") == []


def test_the_feed_is_quiet_after_minutes_without_events(db: Session, center: Center) -> None:
    site = _morning(db, center)
    received = service.records.last_event_at(db, site_id=site.id)
    assert received is not None
    assert service.feed_quiet_since(db, site=site, now=received + timedelta(minutes=1)) is None
    quiet_at = received + timedelta(minutes=service.QUIET_MINUTES + 1)
    assert service.feed_quiet_since(db, site=site, now=quiet_at) == received


def test_a_key_stored_meanwhile_by_another_render_is_reused(
    app: FastAPI, db: Session, center: Center
) -> None:
    site = _morning(db, center)
    db.commit()
    with app.state.sessionmaker() as other:  # another request got there first
        _recorded(other, site, NOW)
        other.commit()
    key = db.scalars(select(FloorAlert.key).where(FloorAlert.subject == "A003")).one()
    copy = FloorAlert(site_id=site.id, key=key, first_seen_at=NOW)
    for name, value in alert_store._fields(floor_alert(key), NOW).items():
        setattr(copy, name, value)
    kept = alert_store._added(db, copy)
    assert kept is not copy and kept.key == key
    assert len(db.scalars(select(FloorAlert).where(FloorAlert.key == key)).all()) == 1


def floor_alert(key: str) -> Alert:
    return Alert(key, AlertKind.OUT_OF_ADHERENCE, "A003", 5.0, 3.0, "A003: out of adherence")


def test_stored_alerts_are_worded_from_their_rule_and_figures_in_the_readers_language(
    db: Session, center: Center
) -> None:
    raised = [
        Alert("sl", AlertKind.SERVICE_LEVEL, None, 0.25, 0.8, "all queues: SL 25%, target 80%"),
        Alert("cw", AlertKind.CALLS_WAITING, "Retail", 1234, 5, "queue Retail: 1234 calls"),
        Alert("lw", AlertKind.LONGEST_WAIT, "Retail", 300.4, 60.5, "queue Retail: 300 s"),
        Alert("oa", AlertKind.OUT_OF_ADHERENCE, "A003", 12.6, 5, "A003: 13 min"),
    ]
    rows = alert_store.sync_alerts(db, site_id=center.site_id, alerts=raised, now=NOW)
    old = FloorAlert(site_id=center.site_id, key="old", kind="", subject=None, value=1, limit=0)
    old.message, old.first_seen_at, old.last_seen_at = "an alert from before", NOW, NOW
    db.add(old)
    db.flush()
    db.expire_all()
    stored = {row.key: row for row in db.scalars(select(FloorAlert))}
    assert {row.key for row in rows} == {"sl", "cw", "lw", "oa"}

    def worded(locale: str) -> dict[str, str]:
        token = i18n.current_locale.set(locale)
        try:
            return {key: alert_text(row) for key, row in stored.items()}
        finally:
            i18n.current_locale.reset(token)

    assert worded("en") == {
        "sl": "all queues: service level 25% this interval, target 80%",
        "cw": "queue Retail: 1,234 calls waiting, limit 5",
        "lw": "queue Retail: a call has waited 300 s, limit 60.5 s",
        "oa": "A003: out of adherence for 13 min, limit 5 min",
        "old": "an alert from before",
    }
    assert worded("ru") == {
        "sl": "все очереди: уровень обслуживания в этом интервале 25\xa0%, цель 80\xa0%",
        "cw": "очередь Retail: ожидающих звонков — 1\xa0234, допустимо 5",
        "lw": "очередь Retail: звонок ждёт 300 с, допустимо 60,5 с",
        "oa": "A003: вне графика 13 мин, допустимо 5 мин",
        "old": "an alert from before",
    }
    token = i18n.current_locale.set("en")
    try:
        named = alert_text(stored["oa"], names={"A003": "Vera Smirnova"})
    finally:
        i18n.current_locale.reset(token)
    assert named == "Vera Smirnova (A003): out of adherence for 13 min, limit 5 min"
