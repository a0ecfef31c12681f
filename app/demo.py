"""A believable demo center: one Moscow site, 3 teams, 4 queues, ~80 agents, two weeks of shifts."""

from __future__ import annotations

import random
import secrets
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.passwords import hash_password
from app.models import (
    Agent,
    AgentSkill,
    BreakPolicy,
    BreakRule,
    BreakType,
    Queue,
    Role,
    Shift,
    ShiftTemplate,
    Site,
    Team,
    User,
)
from app.shifts.timeconv import shift_span, week_start
from kpi.records import CallRecord

SITE_NAME = "Moscow"
TEAMS = ("Alpha", "Bravo", "Night")
QUEUES = ("Retail", "Premium", "Internet", "Brokerage")
WOMEN = ["Anna", "Vera", "Daria", "Zhanna", "Kira", "Maria", "Olga", "Rita", "Tatiana", "Yulia"]
MEN = ["Boris", "Gleb", "Egor", "Ivan", "Lev", "Nikita", "Pavel", "Sergei", "Fyodor", "Artem"]
SURNAMES = [
    "Ivanov",
    "Petrov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Sokolov",
    "Lebedev",
    "Kozlov",
    "Novikov",
    "Morozov",
    "Volkov",
    "Vasiliev",
    "Zaitsev",
    "Pavlov",
    "Semenov",
    "Orlov",
]
TEMPLATES = (
    ("Early", time(7, 0), 540),
    ("Day", time(9, 0), 540),
    ("Late", time(14, 0), 600),
    ("Night", time(22, 0), 540),
)


@dataclass(frozen=True)
class Credential:
    """A demo sign-in to print for the person trying smena."""

    role: str
    login: str
    password: str


def seed(
    db: Session, *, today: date, agents: int = 80, rng_seed: int = 7, call_history: bool = True
) -> list[Credential]:
    """Fill an empty database with the demo center; returns the sign-ins it created.

    `call_history` adds two months of calls for Reports (about 2 s, read while the rest is
    seeded); tests that do not read reports leave it out.
    """
    if db.scalar(select(Site.id).where(Site.name == SITE_NAME)) is not None:
        return []
    rng = random.Random(rng_seed)
    site = Site(
        name=SITE_NAME,
        timezone="Europe/Moscow",
        service_level_threshold_seconds=20,
        short_abandon_seconds=5,
    )
    db.add(site)
    db.flush()
    calls = _start_reading_calls(site) if call_history else None
    teams = [Team(site_id=site.id, name=n) for n in TEAMS]
    queues = [Queue(site_id=site.id, name=n) for n in QUEUES]
    templates = [
        ShiftTemplate(site_id=site.id, name=n, start_local=t, length_minutes=m)
        for n, t, m in TEMPLATES
    ]
    db.add_all([*teams, *queues, *templates])
    _break_rules(db, site)
    db.flush()
    credentials = _users(db, site)
    db.flush()
    people = _agents(db, site, teams, queues, agents, rng)
    operator = next(u for u in db.scalars(select(User).where(User.role == Role.OPERATOR)))
    people[0].user_id = operator.id
    db.flush()
    _weeks_of_shifts(db, site, people, templates, week_start(today), weeks=2)
    _operator_day(db, site, people[0], today)
    _todays_breaks(db, site, teams, today)
    _roster_requests(db, people, today)
    if calls is not None:
        _call_history(db, site, today, calls)
    _interval_history(db, site, queues, today)
    return credentials


def _roster_requests(db: Session, people: list[Agent], today: date) -> None:
    """A colleague of the demo operator asks for a day off in two weeks (Rosters requests)."""
    from app.models import TimeOffRequest

    day = week_start(today) + timedelta(days=16)
    db.add(
        TimeOffRequest(
            agent_id=people[3].id,
            first_day=day,
            last_day=day,
            reason="Family event",
            state="pending",
        )
    )


def _interval_history(db: Session, site: Site, queues: list[Queue], today: date) -> None:
    """Interval history, so that Planning has a forecast on first run: built from the demo's
    calls where it has them (Planning and Reports then agree), the bank's pattern elsewhere."""
    from app.planning.demo_history import seed_history
    from app.planning.from_calls import call_days, days_from_calls, rebuild_history

    span = call_days(db, site=site)
    covered: set[tuple[int, date]] = set()
    if span is not None:
        rebuild_history(db, site=site, first=span[0], last=span[1])
        covered = days_from_calls(db, site_id=site.id, first=span[0], last=span[1])
    seed_history(db, site=site, queues=queues, today=today, leave_out=covered)


def _start_reading_calls(site: Site) -> Future[list[list[CallRecord]] | None]:
    """Parse the bank's files in a thread while the seed hashes passwords and solves breaks."""
    from app.reports.demo_history import read_bank_months

    return read_bank_months(ZoneInfo(site.timezone))


def _call_history(
    db: Session, site: Site, today: date, months: Future[list[list[CallRecord]] | None]
) -> None:
    """Two months of calls (the Anonymous Bank's) ending yesterday, so Reports are full."""
    from app.reports.demo_history import seed_call_history

    seed_call_history(db, site=site, today=today, months=months)


def _operator_day(db: Session, site: Site, agent: Agent, today: date) -> None:
    """The demo operator works today with published breaks, so My day is not empty."""
    from app.db import utcnow
    from app.me.demo_day import seed_operator_day

    seed_operator_day(db, site=site, agent=agent, today=today, now=utcnow())


def _todays_breaks(db: Session, site: Site, teams: list[Team], today: date) -> None:
    """Optimise and publish every team's breaks today, so the floor and adherence have a plan."""
    from app.breaks.optimise import job_params, optimise
    from app.breaks.service import load_team_day, publish
    from app.jobs.service import JobContext

    db.flush()
    for team in teams:
        params = job_params(site=site, team=team, day=today, replan=False, time_limit_seconds=2)
        optimise(db, JobContext(0, site.id, None, params, lambda _f, _m: None))
        publish(db, user=None, team_day=load_team_day(db, site=site, team=team, day=today))


def _break_rules(db: Session, site: Site) -> None:
    short = BreakType(site_id=site.id, name="Break", length_minutes=15, paid=True)
    lunch = BreakType(site_id=site.id, name="Lunch", length_minutes=30, paid=False)
    db.add_all([short, lunch])
    db.flush()
    db.add_all(
        [
            BreakRule(
                site_id=site.id,
                break_type_id=short.id,
                min_shift_minutes=240,
                max_shift_minutes=720,
                count=2,
                window_start_minutes=60,
                window_end_minutes=480,
            ),
            BreakRule(
                site_id=site.id,
                break_type_id=lunch.id,
                min_shift_minutes=360,
                max_shift_minutes=720,
                count=1,
                window_start_minutes=180,
                window_end_minutes=360,
            ),
            BreakPolicy(site_id=site.id, min_work_minutes=45, max_work_minutes=150, max_on_break=6),
        ]
    )


def _users(db: Session, site: Site) -> list[Credential]:
    credentials = []
    for role, login, name in (
        (Role.ADMIN, "admin", "Administrator"),
        (Role.MANAGER, "manager", "Elena Markova"),
        (Role.SUPERVISOR, "supervisor", "Dmitry Orlov"),
        (Role.OPERATOR, "operator", "Anna Ivanova"),
    ):
        password = secrets.token_urlsafe(9)
        db.add(
            User(
                login=login,
                display_name=name,
                role=role,
                locale="ru",
                password_hash=hash_password(password),
                site_id=None if role in (Role.ADMIN, Role.MANAGER) else site.id,
            )
        )
        credentials.append(Credential(role, login, password))
    return credentials


def _agents(
    db: Session, site: Site, teams: list[Team], queues: list[Queue], count: int, rng: random.Random
) -> list[Agent]:
    people = []
    for i in range(count):
        name = "Anna Ivanova" if i == 0 else _person(rng)
        agent = Agent(
            site_id=site.id,
            team_id=teams[i % len(teams)].id,
            code=f"A{i + 1:03d}",
            display_name=name,
            contracted_weekly_hours=rng.choice((40, 40, 40, 30, 20)),
        )
        agent.skills = [AgentSkill(queue_id=queues[0].id, level=rng.randint(2, 5))]
        for queue in queues[1:]:
            if rng.random() < 0.4:
                agent.skills.append(AgentSkill(queue_id=queue.id, level=rng.randint(1, 5)))
        people.append(agent)
    db.add_all(people)
    return people


def _person(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.6:
        return f"{rng.choice(WOMEN)} {surname}a"
    return f"{rng.choice(MEN)} {surname}"


def _weeks_of_shifts(
    db: Session,
    site: Site,
    people: list[Agent],
    templates: list[ShiftTemplate],
    monday: date,
    weeks: int,
) -> None:
    zone = ZoneInfo(site.timezone)
    for index, agent in enumerate(people):
        night = agent.team_id == people[2].team_id
        template = templates[3] if night else templates[(index // 3) % 3]
        days_off = {(index + k) % 7 for k in range(2)}
        for offset in range(7 * weeks):
            if offset % 7 in days_off:
                continue
            day = monday + timedelta(days=offset)
            end = time((template.start_local.hour * 60 + template.length_minutes) // 60 % 24, 0)
            starts_at, ends_at = shift_span(day, template.start_local, end, zone)
            db.add(
                Shift(
                    agent_id=agent.id,
                    work_date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    template_id=template.id,
                    source="roster",
                )
            )
