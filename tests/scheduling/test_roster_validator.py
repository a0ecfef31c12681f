"""An independent validator of rosters (scheduling/roster.py), on the raw JSON of instance and
roster, and brute force for tiny instances.

It shares no code with scheduling/: it re-reads the instance with the documented defaults,
recomputes every hard rule from each agent's days, every figure, every named penalty and
the objective, so a roster is judged by the contract, not by the solver. The tests at the
end check that it does catch broken rosters.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import numpy as np

Doc = dict[str, Any]
DEFAULT_RULES = {"min_rest_minutes": 660, "max_consecutive_days": 6, "max_shifts_per_week": None}
DEFAULT_WEIGHTS = {"shortage": 1000, "hours": 1, "weekend": 30, "late": 10, "wish": 60}


class Reading:
    """The instance as the contract reads it."""

    def __init__(self, doc: Doc) -> None:
        self.slot = doc["slot_minutes"]
        self.per_day = 1440 // self.slot
        self.days = doc["days"]
        self.first_weekday = doc.get("first_weekday", 0)
        self.rules = {**DEFAULT_RULES, **doc.get("rules", {})}
        self.weights = {**DEFAULT_WEIGHTS, **doc.get("weights", {})}
        self.shifts: dict[str, tuple[int, int, bool]] = {}
        if "design" in doc:
            self.requirement = {"all": self._design(doc["design"])}
        elif isinstance(doc["requirement"], list):
            self.requirement = {"all": list(doc["requirement"])}
        else:
            self.requirement = {q: list(c) for q, c in doc["requirement"].items()}
        if "shifts" in doc:
            self.shifts = {}
            for s in doc["shifts"]:
                late = s.get("late", (s["start"] + s["length"]) * self.slot > 1200)
                self.shifts[s["name"]] = (s["start"], s["length"], late)
        self.agents = doc["agents"]

    def _design(self, design: Doc) -> list[int]:
        need = [0] * (self.days * self.per_day)
        for s in design["shifts"]:
            start, length = s["start"], s["length"]
            name = f"{s['type']} {self._clock(start)}-{self._clock(start + length)}"
            self.shifts[name] = (start, length, (start + length) * self.slot > 1200)
            for day, count in enumerate(s["counts"]):
                for t in range(day * self.per_day + start, day * self.per_day + start + length):
                    if t < len(need):
                        need[t] += count
        return need

    def _clock(self, slot: int) -> str:
        minutes = slot * self.slot % 1440
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    def weekend(self, day: int) -> bool:
        return (self.first_weekday + day) % 7 in (5, 6)

    def span(self, day: int, name: str) -> tuple[int, int]:
        """Absolute slots [first, end) a shift worked on `day` occupies (not cut)."""
        start, length, _ = self.shifts[name]
        return day * self.per_day + start, day * self.per_day + start + length

    def weeks(self) -> list[range]:
        return [range(w, min(w + 7, self.days)) for w in range(0, self.days, 7)]


def agent_violations(r: Reading, agent: Doc, days: list[Any]) -> list[str]:
    """Every hard rule one agent's days break, in words."""
    who = agent["id"]
    found: list[str] = []
    if len(days) != r.days:
        return [f"{who}: {len(days)} days listed, horizon has {r.days}"]
    skills = agent.get("skills", list(r.requirement))
    leave = {t["day"]: t.get("credit_minutes", 0) for t in agent.get("time_off", [])}
    worked = [d for d in range(r.days) if days[d] is not None]
    for d in worked:
        entry = days[d]
        if entry["shift"] not in r.shifts:
            found.append(f"{who} day {d}: unknown shift {entry['shift']}")
            return found
        if entry["queue"] not in skills:
            found.append(f"{who} day {d}: queue {entry['queue']} without the skill")
        if d in leave:
            found.append(f"{who} day {d}: works on time off")
        first, end = r.span(d, entry["shift"])
        for u in agent.get("unavailable", []):
            u_first = u["day"] * r.per_day + u.get("from", 0)
            u_end = u["day"] * r.per_day + u.get("to", r.per_day)
            if first < u_end and u_first < end:
                found.append(f"{who} day {d}: works while unavailable on day {u['day']}")
    found += _rest_violations(r, agent, days, worked)
    found += _run_violations(r, agent, worked)
    found += _week_violations(r, agent, days, leave)
    return found


def _rest_violations(r: Reading, agent: Doc, days: list[Any], worked: list[int]) -> list[str]:
    who, rest = agent["id"], r.rules["min_rest_minutes"]
    found = []
    ends = []
    last_end = agent.get("history", {}).get("last_end")
    if last_end is not None:
        ends.append(("before day 0", last_end))
    for d in worked:
        first, end = r.span(d, days[d]["shift"])
        for label, earlier_end in ends:
            if (first - earlier_end) * r.slot < rest:
                found.append(f"{who} day {d}: less than {rest} min rest after {label}")
        ends.append((f"day {d}", end))
    return found


def _run_violations(r: Reading, agent: Doc, worked: list[int]) -> list[str]:
    most = r.rules["max_consecutive_days"]
    if most is None:
        return []
    run = agent.get("history", {}).get("days_worked", 0)
    found = []
    for d in range(r.days):
        run = run + 1 if d in worked else 0
        if run > most:
            found.append(f"{agent['id']} day {d}: {run} days in a row (at most {most})")
    return found


def week_minutes(r: Reading, days: list[Any], leave: dict[int, int]) -> list[int]:
    """Worked minutes plus time-off credit, per week."""
    totals = []
    for week in r.weeks():
        total = sum(leave.get(d, 0) for d in week)
        total += sum(r.shifts[days[d]["shift"]][1] * r.slot for d in week if days[d] is not None)
        totals.append(total)
    return totals


def _week_violations(r: Reading, agent: Doc, days: list[Any], leave: dict[int, int]
                     ) -> list[str]:
    who, cap = agent["id"], r.rules["max_shifts_per_week"]
    weekly, tolerance = agent["weekly_minutes"], agent.get("tolerance_minutes", 0)
    found = []
    for week, total in zip(r.weeks(), week_minutes(r, days, leave), strict=True):
        shifts = sum(1 for d in week if days[d] is not None)
        if cap is not None and shifts > cap:
            found.append(f"{who} week from day {week.start}: {shifts} shifts (at most {cap})")
        if len(week) == 7:
            if not weekly - tolerance <= total <= weekly + tolerance:
                found.append(f"{who} week from day {week.start}: {total} min outside "
                             f"{weekly} ± {tolerance}")
        elif total > -(-weekly * len(week) // 7) + tolerance:
            found.append(f"{who} short week from day {week.start}: {total} min over the ceiling")
    return found


def coverage(r: Reading, assignment: dict[str, list[Any]]) -> dict[str, list[int]]:
    cover = {q: [0] * (r.days * r.per_day) for q in r.requirement}
    for days in assignment.values():
        for d, entry in enumerate(days):
            if entry is not None:
                first, end = r.span(d, entry["shift"])
                for t in range(first, min(end, r.days * r.per_day)):
                    cover[entry["queue"]][t] += 1
    return cover


def ladder(count: int) -> int:
    return count * (count - 1) // 2


def unmet(r: Reading, agent: Doc, days: list[Any]) -> int:
    count = 0
    for wish in agent.get("wishes", []):
        for d in [wish["day"]] if "day" in wish else range(r.days):
            shift = None if days[d] is None else days[d]["shift"]
            if wish["kind"] == "day_off":
                count += shift is not None
            elif wish["kind"] == "avoid":
                count += shift == wish["shift"]
            elif "day" in wish:
                count += shift != wish["shift"]
            else:
                count += shift is not None and shift != wish["shift"]
    return count


def agent_figures(r: Reading, agent: Doc, days: list[Any]) -> dict[str, Any]:
    leave = {t["day"]: t.get("credit_minutes", 0) for t in agent.get("time_off", [])}
    weeks = week_minutes(r, days, leave)
    worked = [d for d in range(r.days) if days[d] is not None]
    hours = sum(abs(total - agent["weekly_minutes"])
                for week, total in zip(r.weeks(), weeks, strict=True) if len(week) == 7)
    return {
        "worked_minutes": sum(r.shifts[days[d]["shift"]][1] * r.slot for d in worked),
        "week_minutes": weeks,
        "weekend_days": sum(1 for d in worked if r.weekend(d)),
        "late_shifts": sum(1 for d in worked if r.shifts[days[d]["shift"]][2]),
        "unmet_wishes": unmet(r, agent, days),
        "hours": hours,
    }


def penalties(r: Reading, assignment: dict[str, list[Any]]) -> dict[str, int]:
    """Amount of each named penalty."""
    cover = coverage(r, assignment)
    amounts = {"shortage": sum(max(0, need - have)
                               for q, curve in r.requirement.items()
                               for need, have in zip(curve, cover[q], strict=True)),
               "hours": 0, "weekend": 0, "late": 0, "wish": 0}
    for agent in r.agents:
        figures = agent_figures(r, agent, assignment[agent["id"]])
        amounts["hours"] += figures["hours"]
        amounts["weekend"] += ladder(figures["weekend_days"])
        amounts["late"] += ladder(figures["late_shifts"])
        amounts["wish"] += figures["unmet_wishes"]
    return amounts


def objective(r: Reading, assignment: dict[str, list[Any]]) -> int:
    return sum(r.weights[name] * amount for name, amount in penalties(r, assignment).items())


def assignment_of(roster: Doc) -> dict[str, list[Any]]:
    return {a["id"]: a["days"] for a in roster["agents"]}


def violations(doc: Doc, roster: Doc) -> list[str]:
    """Every hard rule the roster breaks, in words; empty when it keeps them all."""
    r = Reading(doc)
    listed = assignment_of(roster)
    found = []
    if sorted(listed) != sorted(a["id"] for a in r.agents):
        return ["the roster does not list every agent exactly once"]
    for agent in r.agents:
        found += agent_violations(r, agent, listed[agent["id"]])
    return found


def check_figures(doc: Doc, roster: Doc) -> None:
    """Every figure of the roster equals what its days give; status, bound consistent."""
    assert roster["status"] in ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN")
    if roster["status"] in ("INFEASIBLE", "UNKNOWN"):
        assert roster["objective"] is None and roster["agents"] == []
        if roster["status"] == "INFEASIBLE":
            assert roster["infeasible_agents"], "an infeasible roster names its agents"
            assert all(e["reason"] for e in roster["infeasible_agents"])
        return
    r = Reading(doc)
    assert roster["queues"] == list(r.requirement)
    assignment = assignment_of(roster)
    cover = coverage(r, assignment)
    assert roster["coverage"] == cover
    short = {q: [max(0, n - c) for n, c in zip(r.requirement[q], cover[q], strict=True)]
             for q in r.requirement}
    assert roster["shortage"] == short
    assert roster["shortage_total"] == sum(sum(v) for v in short.values())
    assert roster["shortage_peak"] == max((max(v, default=0) for v in short.values()), default=0)
    for agent, listed in zip(r.agents, roster["agents"], strict=True):
        figures = agent_figures(r, agent, listed["days"])
        for key in ("worked_minutes", "week_minutes", "weekend_days", "late_shifts",
                    "unmet_wishes"):
            assert listed[key] == figures[key], (agent["id"], key, listed[key], figures[key])
        assert listed["explanation"], f"{agent['id']} is not explained"
    amounts = penalties(r, assignment)
    for term in roster["penalties"]:
        assert term["amount"] == amounts[term["name"]], term
        assert term["weight"] == r.weights[term["name"]]
        assert term["cost"] == term["weight"] * term["amount"]
    assert sorted(t["name"] for t in roster["penalties"]) == sorted(amounts)
    assert roster["objective"] == objective(r, assignment)
    if roster["bound"] is not None:
        assert roster["bound"] <= roster["objective"]
        gap = (roster["objective"] - roster["bound"]) / max(roster["objective"], 1)
        assert abs(roster["gap"] - gap) < 1e-6
    if roster["status"] == "OPTIMAL":
        assert roster["bound"] == roster["objective"]


def check(doc: Doc, roster: Doc) -> None:
    """The roster keeps every hard rule and reports its figures truly."""
    if roster["agents"]:
        assert violations(doc, roster) == []
    check_figures(doc, roster)


def brute_force(doc: Doc) -> int | None:
    """The least objective over every roster that keeps the rules, or None if none does.

    Each agent's valid weeks are listed alone (the hard rules are each agent's own), then
    combined with numpy, the shortage being the only term that couples them."""
    r = Reading(doc)
    queues = list(r.requirement)
    horizon = r.days * r.per_day
    need = np.array([r.requirement[q] for q in queues], dtype=np.int64).reshape(-1)
    costs: np.ndarray = np.zeros(1, dtype=np.int64)
    covers: np.ndarray = np.zeros((1, need.size), dtype=np.int64)
    for agent in r.agents:
        options = [None] + [{"shift": s, "queue": q} for s in r.shifts
                            for q in agent.get("skills", queues)]
        own_costs, own_covers = [], []
        for days in itertools.product(options, repeat=r.days):
            days_list = list(days)
            if agent_violations(r, agent, days_list):
                continue
            figures = agent_figures(r, agent, days_list)
            w = r.weights
            own_costs.append(w["hours"] * figures["hours"]
                             + w["weekend"] * ladder(figures["weekend_days"])
                             + w["late"] * ladder(figures["late_shifts"])
                             + w["wish"] * figures["unmet_wishes"])
            cover = np.zeros(need.size, dtype=np.int64)
            for d, entry in enumerate(days_list):
                if entry is not None:
                    first, end = r.span(d, entry["shift"])
                    offset = queues.index(entry["queue"]) * horizon
                    cover[offset + first:offset + min(end, horizon)] += 1
            own_covers.append(cover)
        if not own_costs:
            return None
        costs = (costs[:, None] + np.array(own_costs)[None, :]).reshape(-1)
        covers = (covers[:, None, :] + np.array(own_covers)[None, :, :]).reshape(-1, need.size)
    short = np.maximum(0, need[None, :] - covers).sum(axis=1)
    return int((costs + r.weights["shortage"] * short).min())


# The validator itself is tested: it must catch what it is there to catch.

def _tiny() -> tuple[Doc, Doc]:
    doc = {
        "slot_minutes": 240, "days": 7,
        "shifts": [{"name": "E", "start": 1, "length": 2}, {"name": "L", "start": 4, "length": 2}],
        "requirement": [0, 1, 1, 1, 1, 0] * 7,
        "rules": {"max_consecutive_days": 3, "max_shifts_per_week": 5},
        "agents": [{"id": "a", "weekly_minutes": 2880, "tolerance_minutes": 0,
                    "time_off": [{"day": 6, "credit_minutes": 480}]}],
    }
    days = [{"shift": "E", "queue": "all"}] * 3 + [None] + [{"shift": "E", "queue": "all"}] * 2
    days = [*days, None]
    return doc, {"agents": [{"id": "a", "days": copy.deepcopy(days)}]}


def test_validator_accepts_a_valid_roster() -> None:
    doc, roster = _tiny()
    assert violations(doc, roster) == []


def test_validator_catches_each_broken_rule() -> None:
    doc, roster = _tiny()
    e, late = {"shift": "E", "queue": "all"}, {"shift": "L", "queue": "all"}
    broken: list[tuple[int, Any, str]] = [
        (3, e, "in a row"),  # four days in a row
        (6, e, "time off"),
        (1, late, "rest"),  # L ends 24:00 on day 1, E starts 04:00 on day 2
        (0, {"shift": "E", "queue": "sales"}, "skill"),
        (5, None, "outside"),  # 4 shifts and 480 min of credit fall short of 2880
    ]
    for day, entry, words in broken:
        bad = copy.deepcopy(roster)
        bad["agents"][0]["days"][day] = entry
        found = violations(doc, bad)
        assert any(words in f for f in found), (day, entry, found)
    unavailable = copy.deepcopy(doc)
    unavailable["agents"][0]["unavailable"] = [{"day": 1, "from": 2, "to": 3}]
    assert any("unavailable" in f for f in violations(unavailable, roster))


def test_brute_force_finds_the_tiny_optimum() -> None:
    doc, roster = _tiny()
    r = Reading(doc)
    best = brute_force(doc)
    assert best is not None and best <= objective(r, assignment_of(roster))
