"""The weekly roster: which named agent works which shift on which day, on which queue.

Public face: `parse_instance(doc)`, `solve(instance, params)`, `roster_to_json(roster)`, and
`roster(doc, params)` which chains the three. Time is in integer slots of `slot_minutes`
(slot 0 is 00:00 of day 0); hours are in minutes.

Instance (JSON)::

    {"slot_minutes": 15, "days": 7, "first_weekday": 0,
     "shifts": [{"name": "E", "start": 28, "length": 34},
                {"name": "L", "start": 52, "length": 34, "late": true}],
     "requirement": {"sales": ["days * 1440 / slot_minutes integers"], "support": ["..."]},
     "rules": {"min_rest_minutes": 660, "max_consecutive_days": 6, "max_shifts_per_week": 5},
     "weights": {"shortage": 1000, "hours": 1, "weekend": 30, "late": 10, "wish": 60},
     "agents": [
       {"id": "a17", "name": "Ivanova", "weekly_minutes": 2400, "tolerance_minutes": 240,
        "skills": ["sales"],
        "time_off": [{"day": 3, "credit_minutes": 480}],
        "unavailable": [{"day": 1}, {"day": 2, "from": 0, "to": 40}],
        "wishes": [{"kind": "day_off", "day": 5}, {"kind": "shift", "shift": "E"},
                   {"kind": "avoid", "shift": "L", "day": 4}],
        "history": {"days_worked": 2, "last_end": -8}}]}

- `first_weekday` (0 = Monday, default 0) places the weekend (Saturday, Sunday). Weeks are
  days 7k..7k+6 of the horizon; the last may be shorter.
- A shift worked on day d covers slots [d*S + start, d*S + start + length) (S = slots per
  day; 0 <= start < S, 1 <= length <= S); the part past the horizon counts nowhere. `late`
  defaults to true when the shift ends after 20:00.
- `requirement`: agents needed per slot, one list per queue; a plain list is one queue
  named "all" (then agents give no `skills`). Instead of `requirement`, `design` takes the
  output of `smena shifts design`: its shifts become the shifts (named by type and clock,
  "M 06:00-14:00", "N 22:00-06:00", unless `shifts` is given) and the coverage its counts
  give (cut at the horizon's end) becomes the requirement.
- `skills` (default: every queue): the queues the agent may take; a shift is worked on one.
- `time_off`: approved leave, no shift that day; `credit_minutes` (default 0) count as
  worked. `unavailable`: slots [from, to) of a day (default the whole day) no worked shift
  may overlap, a shift from the day before included.
- `history.days_worked`: days worked in a row just before day 0; `history.last_end`: end of
  the last shift before day 0 in slots from day 0 00:00 (negative before midnight).
- `rules` (defaults shown; null switches off the two maxima) and `weights` (integers >= 0)
  are optional.

Input that is not valid raises `InputError(path, reason)` naming the field (the command
line exits 2): a missing or mistyped field, a requirement of the wrong length, a shift or a
day outside the day or the horizon, an unknown queue, shift or wish kind, repeated ids.
Input that is valid but cannot be kept (a contract that time off, unavailability and the
rules leave no room for) is INFEASIBLE, with the reasons.

Hard rules (a roster that breaks one is wrong): at most one shift a day; at least
`min_rest_minutes` from the end of a shift to the start of the next (and after
`history.last_end`); no run of more than `max_consecutive_days` working days, counting
`history.days_worked`; at most `max_shifts_per_week` shifts in a week; in a full week worked
minutes plus time-off credit within weekly_minutes ± tolerance_minutes, in a shorter last
week at most ceil(weekly_minutes * days / 7) + tolerance_minutes; time off, unavailability
and skills as above.

Objective = sum of weight * amount over the named penalties:
- shortage: sum over queues and slots of max(0, requirement - agents working it);
- hours: sum over agents and full weeks of |worked minutes + credit - weekly_minutes|;
- weekend, late: sum over agents of k*(k-1)/2 for k weekend days worked (Saturday, Sunday),
  resp. k late shifts worked: the k-th costs k-1, so they are spread across people;
- wish: unmet wishes: a day_off wish is unmet if the agent works that day; a shift wish with
  a day if the agent does not work that shift that day, without a day once per day worked on
  another shift; an avoid wish once per day (that day, or any day) worked on that shift.

Roster (JSON)::

    {"status": "FEASIBLE", "objective": 5120, "bound": 4980, "gap": 0.027,
     "solve_seconds": 12.4, "shortage_total": 4, "shortage_peak": 1,
     "queues": ["sales", "support"],
     "agents": [{"id": "a17", "days": [{"shift": "E", "queue": "sales"}, null, "..."],
                 "worked_minutes": 1920, "week_minutes": [2400], "weekend_days": 1,
                 "late_shifts": 0, "unmet_wishes": 1,
                 "explanation": ["Ivanova works 4 days, 32 h", "..."]}],
     "coverage": {"sales": ["per slot"], "support": ["..."]},
     "shortage": {"sales": ["per slot"], "support": ["..."]},
     "penalties": [{"name": "shortage", "amount": 4, "unit": "agent-slots short",
                    "weight": 1000, "cost": 4000}, "..."],
     "infeasible_agents": [], "notes": ["time limit of 30 s reached; gap 2.7%"]}

`status`: OPTIMAL (objective proven least), FEASIBLE (best found in the time limit),
INFEASIBLE (some agent's own rules cannot all hold: `infeasible_agents` names each with a
reason; objective null, agents empty), UNKNOWN (nothing found in time). `bound` is a proven
lower bound on the objective (the weekly linear relaxation's, or CP-SAT's), `gap` =
(objective - bound) / objective. `week_minutes` is worked minutes plus credit per week;
`objective` and every figure are recomputed from `days`. Each agent's `explanation` says how
much they work and why (the contract's floor, the slots that would go short without a day),
their days off, each wish not granted and why, and their weekends and late shifts against
the team's average; `notes` give the status and the runs of slots left short, and why.
Each line of `explanation` and `notes` is also kept as an `Explanation` (a code and its
figures: `AgentRoster.explained`, `Roster.noted`) so that the app can say it in any language.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from scheduling.contract import InputError
from scheduling.roster_bound import relax
from scheduling.roster_check import place_stuck
from scheduling.roster_domain import Facts, Plan, facts, penalties
from scheduling.roster_greedy import Board, greedy_plan
from scheduling.roster_input import parse_instance
from scheduling.roster_lns import Lns
from scheduling.roster_report import build_roster, infeasible_roster, unknown_roster
from scheduling.roster_search import improve
from scheduling.roster_solver import Outcome, solve_model
from scheduling.roster_types import (
    AgentReason,
    AgentRoster,
    Assignment,
    Explanation,
    Instance,
    Params,
    Penalty,
    Roster,
    Rules,
    Weights,
)

__all__ = [
    "AgentReason", "AgentRoster", "Assignment", "Explanation", "InputError", "Instance", "Params",
    "Penalty", "Roster", "Rules", "Weights", "parse_instance", "roster", "roster_to_json", "solve",
]

_CP_SAT_CHOICES = 4_000  # choice variables up to which CP-SAT gets the roster after search
_LNS_CHOICES = 300  # choice variables above which LNS runs (below, CP-SAT alone is quick)
_SEARCH_SHARE = 0.15  # of the time limit, at most, for local search on a small model
_LNS_SHARE = 0.4  # of the time limit, up to which LNS runs on a small model before CP-SAT
# (on a large one local search runs until no move gains, then LNS until the time limit)
_BOUND_SHARE = 0.15  # of the time limit, at most, for the relaxation

def solve(instance: Instance, params: Params) -> Roster:
    """The roster with the least objective found within `params`, or why there is none.

    A linear relaxation proves a bound and plans head counts per class of agents; a greedy
    follows that plan agent by agent, and agents it cannot place are placed alone by CP-SAT,
    or explained. Then `_improve`."""
    started = time.perf_counter()
    deadline = started + params.time_limit_seconds
    known = facts(instance)
    relaxation = relax(instance, known, params.time_limit_seconds * _BOUND_SHARE)
    board, stuck = greedy_plan(instance, known, relaxation.class_of, relaxation.targets)
    reasons, complete = place_stuck(board, stuck, deadline=deadline, seed=params.seed)
    if reasons:
        return infeasible_roster(tuple(reasons), time.perf_counter() - started)
    if complete:
        outcome = _improve(instance, known, board, relaxation.bound, params, started)
        plans = [p for p in (outcome.plan, board.plan) if p is not None]
    else:  # an agent's own check ran out of time: CP-SAT from scratch
        outcome = solve_model(instance, known, None, time_limit=deadline - time.perf_counter(),
                              workers=params.workers, seed=params.seed)
        plans = [] if outcome.plan is None else [outcome.plan]
    outcome = Outcome(outcome.status, outcome.plan, _best(outcome.bound, relaxation.bound))
    if not plans:
        return unknown_roster(instance, outcome, time.perf_counter() - started)
    best = min(plans, key=lambda p: _objective(instance, p))
    return build_roster(instance, known, best, outcome, params, time.perf_counter() - started)


def _improve(
    instance: Instance, known: Facts, board: Board, bound: int | None, params: Params,
    started: float,
) -> Outcome:
    """Local search on the board's roster; on a small model then LNS for a while and
    CP-SAT, which may prove it optimal; on a large one LNS until the time limit. Stops
    early when the roster meets the relaxation's bound."""
    limit = params.time_limit_seconds
    deadline = started + limit
    choices = sum(int(m.sum()) * len(a.skills) for m, a in zip(known.offered, instance.agents,
                                                               strict=True))
    small = choices <= _CP_SAT_CHOICES
    improve(board, started + limit * _SEARCH_SHARE if small else deadline,
            np.random.default_rng(params.seed))
    if bound is not None and _objective(instance, board.plan) <= bound:
        return Outcome("OPTIMAL", None, bound)
    if choices > _LNS_CHOICES:
        Lns(board, params.seed, params.workers).run(
            started + limit * _LNS_SHARE if small else deadline)
    if not small:
        return Outcome("FEASIBLE", None, None)
    return solve_model(instance, known, board.plan, time_limit=deadline - time.perf_counter(),
                       workers=params.workers, seed=params.seed)


def _objective(instance: Instance, plan: Plan) -> int:
    return sum(term.cost for term in penalties(instance, plan))


def _best(one: int | None, other: int | None) -> int | None:
    found = [b for b in (one, other) if b is not None]
    return max(found) if found else None


def roster_to_json(roster: Roster) -> dict[str, Any]:
    """The roster as the module docstring writes it."""
    queues = list(roster.queues)
    return {
        "status": roster.status,
        "objective": roster.objective,
        "bound": roster.bound,
        "gap": round(roster.gap, 6),
        "solve_seconds": round(roster.solve_seconds, 3),
        "shortage_total": int(sum(sum(q) for q in roster.shortage)),
        "shortage_peak": max((max(q, default=0) for q in roster.shortage), default=0),
        "queues": queues,
        "agents": [
            {"id": a.id,
             "days": [None if d is None else {"shift": d.shift, "queue": d.queue}
                      for d in a.days],
             "worked_minutes": a.worked_minutes, "week_minutes": list(a.week_minutes),
             "weekend_days": a.weekend_days, "late_shifts": a.late_shifts,
             "unmet_wishes": a.unmet_wishes, "explanation": list(a.explanation)}
            for a in roster.agents
        ],
        "coverage": {q: list(c) for q, c in zip(queues, roster.coverage, strict=False)},
        "shortage": {q: list(s) for q, s in zip(queues, roster.shortage, strict=False)},
        "penalties": [
            {"name": p.name, "amount": p.amount, "unit": p.unit, "weight": p.weight,
             "cost": p.cost}
            for p in roster.penalties
        ],
        "infeasible_agents": [{"agent": r.agent, "reason": r.reason}
                              for r in roster.infeasible_agents],
        "notes": list(roster.notes),
    }


def roster(doc: Any, params: Params | None = None) -> dict[str, Any]:
    """Parse, solve and render in one call; `InputError(path, reason)` on bad input."""
    return roster_to_json(solve(parse_instance(doc), params or Params()))

