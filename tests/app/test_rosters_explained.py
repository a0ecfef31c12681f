"""Roster explanations and notes in the reader's language: the solver's codes said by the app."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.i18n import current_locale
from app.models import Job
from app.rosters import explained
from scheduling.roster import Explanation, Params, Roster, parse_instance, solve
from scheduling.roster_words import in_english, note_in_english, reason_in_english
from tests.app.conftest import MONDAY, Center
from tests.app.test_rosters import draft, seed_week

Clients = Callable[[str], TestClient]
DAYS = [date(2026, 12, 7) + timedelta(days=i) for i in range(7)]  # a Monday
LABEL = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d+)\b")
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@pytest.fixture
def russian() -> Iterator[None]:
    token = current_locale.set("ru")
    yield
    current_locale.reset(token)


@pytest.fixture
def english() -> Iterator[None]:
    token = current_locale.set("en")
    yield
    current_locale.reset(token)


def _doc(**agent: object) -> dict[str, object]:
    """A week of two shifts and one queue, Ivanova with leave, a gap and wishes, and two more."""
    need = [0] * (7 * 96)
    for day in range(7):
        for slot in range(day * 96 + 32, day * 96 + 80):
            need[slot] = 2
    ivanova = {
        "id": "a1",
        "name": "Ivanova",
        "weekly_minutes": 2400,
        "tolerance_minutes": 240,
        "time_off": [{"day": 3, "credit_minutes": 480}],
        "unavailable": [{"day": 1, "from": 0, "to": 40}],
        "wishes": [
            {"kind": "day_off", "day": 0},
            {"kind": "day_off", "day": 6},
            {"kind": "shift", "shift": "E"},
            {"kind": "avoid", "shift": "L", "day": 4},
        ],
    } | agent
    others = [
        {"id": f"a{k}", "name": f"Agent {k}", "weekly_minutes": 2400, "tolerance_minutes": 240}
        for k in (2, 3)
    ]
    return {
        "slot_minutes": 15,
        "days": 7,
        "shifts": [
            {"name": "E", "start": 28, "length": 36},
            {"name": "L", "start": 48, "length": 36, "late": True},
        ],
        "requirement": need,
        "agents": [ivanova, *others],
    }


def _solved(**agent: object) -> tuple[Roster, object]:
    instance = parse_instance(_doc(**agent))
    return solve(instance, Params(time_limit_seconds=5.0, workers=1, seed=0)), instance


def _with_dates(text: str) -> str:
    """The solver's English with its day labels ('Thu 3') as the app writes the week's dates."""
    return LABEL.sub(lambda m: format_date(DAYS[int(m.group(1))], "EEE d MMM", locale="en"), text)


def _stored(line: Explanation) -> dict[str, object]:
    return explained.as_json(line)


def test_the_app_says_every_explanation_as_the_solver_does_in_english(english: None) -> None:
    roster, instance = _solved()
    assert roster.status in ("OPTIMAL", "FEASIBLE")
    codes = set()
    for agent in roster.agents:
        assert len(agent.explained) == len(agent.explanation) > 0
        for line, text in zip(agent.explained, agent.explanation, strict=True):
            codes.add(line.code)
            assert in_english(instance, line) == text  # type: ignore[arg-type]
            assert explained.say(_stored(line), DAYS) == _with_dates(text)
    for note, text in zip(roster.noted, roster.notes, strict=True):
        codes.add(note.code)
        assert explained.say(_stored(note), DAYS) == _with_dates(text)
    assert {"works", "time_off", "unavailable", "fairness"} <= codes
    assert codes & {"wish_other_shifts", "wish_short", "wish_contract"}
    assert codes & {"week_none_needed", "week_fewest", "week_short", "week_closer"}


def test_notes_of_every_kind_are_said_as_the_solver_says_them(english: None) -> None:
    instance = parse_instance(_doc())
    notes = [
        Explanation("proven_optimal"),
        Explanation("not_found"),
        Explanation("time_limit", {"seconds": 20.0}),
        Explanation("time_limit", {"seconds": 2.5, "bound": 4980, "gap": 0.0273}),
        Explanation("more_runs", {"runs": 3}),
        Explanation("cannot_roster", {"agents": 1}),
        Explanation("cannot_roster", {"agents": 2}),
        Explanation(
            "short_run",
            {
                "queue": "all",
                "first_day": 2,
                "first_minutes": 480,
                "end_day": 2,
                "end_minutes": 570,
                "slots": 6,
                "cause": "no_agent",
            },
        ),
    ]
    for note in notes:
        said = explained.say(_stored(note), DAYS)
        assert said == _with_dates(note_in_english(instance, note)), note.code


AGENT_CLASHES = {  # a change to Ivanova (9 h shifts) -> the clash that explains it
    "hours_unmet": {"time_off": [{"day": d} for d in range(6)]},
    "no_mix": {"weekly_minutes": 1800, "tolerance_minutes": 60},  # 29-31 h of 9 h shifts
    "credit_over_ceiling": {"time_off": [{"day": d, "credit_minutes": 480} for d in range(6)]},
}


def _reasons(roster: Roster) -> dict[str, object]:
    return {
        "infeasible_agents": [
            {"agent": r.agent, "reason": r.reason, "explained": [_stored(x) for x in r.explained]}
            for r in roster.infeasible_agents
        ]
    }


@pytest.mark.parametrize("clash", sorted(AGENT_CLASHES))
def test_why_an_agent_cannot_be_rostered_is_said_as_the_solver_says_it(
    english: None, clash: str
) -> None:
    roster, _instance = _solved(**AGENT_CLASHES[clash])
    [reason] = roster.infeasible_agents
    assert reason.agent == "a1" and reason.explained[0].code == clash
    [said] = explained.notes(_reasons(roster), DAYS)[:1]
    assert said.who == "a1" and said.text == _with_dates(reason.reason)
    with_rules = Explanation("rules_clash", {"name": "Ivanova"})
    rules = (
        Explanation("rule_last_shift"),
        Explanation("rule_rest", {"minutes": 660}),
        Explanation("rule_consecutive", {"days": 6, "before": 2}),
        Explanation("rule_week_cap", {"shifts": 5}),
        Explanation("rule_unavailable", {"days": (1, 2)}),
    )
    instance = parse_instance(_doc())
    lines = (with_rules, *rules)
    stored = {
        "infeasible_agents": [
            {"agent": "a1", "reason": "", "explained": [_stored(x) for x in lines]}
        ]
    }
    expected = _with_dates(reason_in_english(instance, lines))  # type: ignore[arg-type]
    assert explained.notes(stored, DAYS)[0].text == expected


def test_explanations_are_said_in_russian(russian: None) -> None:
    roster, _instance = _solved()
    lines = [line for agent in roster.agents for line in agent.explained] + list(roster.noted)
    for line in lines:
        said = explained.say(_stored(line), DAYS)
        assert CYRILLIC.search(said) and "{" not in said, (line.code, said)
    works = next(line for line in roster.agents[0].explained if line.code == "works")
    said = explained.say(_stored(works), DAYS)
    assert said.startswith("Ivanova работает ") and " ч" in said and "8 ч оплачиваемого" in said
    odd = Explanation("works", {"name": "P", "days": 2, "minutes": 440, "credit_minutes": 0})
    assert explained.say(_stored(odd), DAYS) == "P работает 2 дня, 7 ч 20 мин"
    note = Explanation("time_limit", {"seconds": 2.5})
    assert explained.say(_stored(note), DAYS) == "истёк лимит времени 2,5 с; граница не доказана"


def test_an_infeasible_roster_notes_how_many_cannot_be_rostered(russian: None) -> None:
    roster, _instance = _solved(time_off=[{"day": d} for d in range(6)])
    assert roster.status == "INFEASIBLE" and roster.noted[0].code == "cannot_roster"
    said = explained.notes(explained.stored(roster) | _reasons(roster), DAYS)
    assert said[0].who == "a1" and said[0].text.startswith("Ivanova: не меньше 36 ч за неделю 1")
    assert "отгул: пн" in said[0].text, said[0].text
    assert [n.text for n in said[1:]] == [
        "1 сотрудника нельзя поставить в график при его правилах, договоре и отгулах"
    ]


def test_the_rosters_page_explains_in_the_readers_language(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    version = draft(db, center, {center.agent_id: {0: "Early"}})
    line = Explanation("works", {"name": "Vera", "days": 1, "minutes": 540, "credit_minutes": 0})
    fairness = Explanation(
        "fairness", {"weekend_days": 0, "weekend_mean": 0.5, "late_shifts": 2, "late_mean": 1.0}
    )
    version.result = {
        "explanations": {str(center.agent_id): ["Vera works 1 day, 9 h"]},
        "explained": {str(center.agent_id): [_stored(line), _stored(fairness)]},
    }
    db.commit()
    client = as_role("supervisor")
    page = client.get(f"/rosters?week={MONDAY.isoformat()}").text
    assert "Vera works 1 day, 9 h" in page and "2 late shifts (team average 1.0)" in page
    client.post("/language", data={"locale": "ru", "next": "/rosters"})
    page = client.get(f"/rosters?week={MONDAY.isoformat()}").text
    assert "Vera работает 1 день, 9 ч" in page
    assert "0 рабочих дней в выходные (в среднем по команде 0,5)" in page
    assert "Vera works" not in page


def test_a_roster_stored_before_the_codes_keeps_its_english(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    version = draft(db, center, {center.agent_id: {0: "Early"}})
    version.result = {"explanations": {str(center.agent_id): ["Vera works 1 day, 9 h"]}}
    db.commit()
    client = as_role("supervisor")
    client.post("/language", data={"locale": "ru", "next": "/rosters"})
    assert "Vera works 1 day, 9 h" in client.get(f"/rosters?week={MONDAY.isoformat()}").text


def test_a_failed_generation_notes_in_the_readers_language(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    note = Explanation("cannot_roster", {"agents": 2})
    clash = Explanation("rules_clash", {"name": "Vera"})
    cap = Explanation("rule_week_cap", {"shifts": 5})
    db.add(
        Job(
            kind="rosters.generate",
            status="done",
            site_id=center.site_id,
            params={
                "site_id": center.site_id,
                "team_id": center.team_id,
                "week": MONDAY.isoformat(),
            },
            result={
                "status": "INFEASIBLE",
                "infeasible_agents": [
                    {
                        "agent": "Vera Smirnova (A003)",
                        "reason": "Vera: these rules cannot all hold: at most 5 shifts a week",
                        "explained": [_stored(clash), _stored(cap)],
                    }
                ],
                "notes": [
                    "2 agents cannot be rostered under their own rules, contract and time off"
                ],
                "noted": [_stored(note)],
            },
        )
    )
    db.commit()
    client = as_role("supervisor")
    client.post("/language", data={"locale": "ru", "next": "/rosters"})
    page = client.get(f"/rosters?week={MONDAY.isoformat()}").text
    assert 'id="roster-infeasible"' in page
    assert "2 сотрудников нельзя поставить в график при их правилах" in page
    assert (
        "<strong>Vera Smirnova (A003)</strong>: "
        "Vera: эти правила нельзя соблюсти все сразу: не больше 5 смен в неделю"
    ) in page
