"""The roster as returned: figures recomputed from the plan, each agent explained, notes."""

from __future__ import annotations

from typing import TypedDict

import numpy as np

from scheduling.roster_domain import (
    OFF,
    Facts,
    Ints,
    Plan,
    coverage,
    covered,
    penalties,
    shift_minutes,
    shortage,
    unmet_wishes,
)
from scheduling.roster_explain import Floor, explain_agent
from scheduling.roster_solver import Outcome
from scheduling.roster_types import (
    AgentReason,
    AgentRoster,
    Assignment,
    Explanation,
    Figure,
    Instance,
    Params,
    Roster,
    Status,
)
from scheduling.roster_words import in_english, note_in_english

MAX_SHORTAGE_NOTES = 12


class _Notes(TypedDict):
    noted: tuple[Explanation, ...]
    notes: tuple[str, ...]


def build_roster(
    instance: Instance, facts: Facts, plan: Plan, outcome: Outcome, params: Params,
    seconds: float,
) -> Roster:
    """The roster of `plan`, its objective recomputed, its bound from CP-SAT's outcome."""
    terms = penalties(instance, plan)
    total = sum(term.cost for term in terms)
    bound = None if outcome.bound is None else min(outcome.bound, total)
    status: Status = "OPTIMAL" if bound is not None and total <= bound else "FEASIBLE"
    cover = coverage(instance, plan)
    short = shortage(instance, cover)
    need = np.asarray(instance.requirement, dtype=np.int64).reshape(cover.shape)
    weekend = np.array([instance.weekend(d) for d in range(instance.days)])
    late = np.array([s.late for s in instance.shifts] + [False])
    people = max(1, len(instance.agents))
    floor = Floor(cover, need, float(((plan.shift >= 0) & weekend).sum()) / people,
                  float(late[plan.shift].sum()) / people)
    return Roster(
        status=status,
        objective=total,
        bound=bound,
        solve_seconds=seconds,
        agents=tuple(_agent_roster(instance, facts, floor, plan, i)
                     for i in range(len(instance.agents))),
        queues=instance.queues,
        coverage=tuple(tuple(int(v) for v in row) for row in cover),
        shortage=tuple(tuple(int(v) for v in row) for row in short),
        penalties=terms,
        **_notes(instance, (_status_note(status, total, bound, params),
                            *_shortage_notes(instance, facts, short,
                                             proven=status == "OPTIMAL"))),
    )


def infeasible_roster(reasons: tuple[AgentReason, ...], seconds: float) -> Roster:
    """No roster: these agents' own rules cannot all hold."""
    return Roster("INFEASIBLE", None, None, seconds, infeasible_agents=reasons,
                  **_notes(None, (Explanation("cannot_roster", {"agents": len(reasons)}),)))


def unknown_roster(instance: Instance, outcome: Outcome, seconds: float) -> Roster:
    """No roster found in the time limit."""
    return Roster("UNKNOWN", None, outcome.bound, seconds, queues=instance.queues,
                  **_notes(instance, (Explanation("not_found"),)))


def _notes(instance: Instance | None, noted: tuple[Explanation, ...]) -> _Notes:
    return {"noted": noted, "notes": tuple(note_in_english(instance, n) for n in noted)}


def _agent_roster(
    instance: Instance, facts: Facts, floor: Floor, plan: Plan, index: int
) -> AgentRoster:
    agent = instance.agents[index]
    row = plan.shift[index]
    minutes = shift_minutes(instance)
    worked = np.where(row >= 0, minutes[row], 0)
    explained = explain_agent(instance, facts, floor, plan, index)
    days = tuple(
        None if row[d] == OFF
        else Assignment(instance.shifts[int(row[d])].name,
                        instance.queues[int(plan.queue[index, d])])
        for d in range(instance.days)
    )
    return AgentRoster(
        id=agent.id,
        days=days,
        worked_minutes=int(worked.sum()),
        week_minutes=tuple(int(worked[b.days.start:b.days.stop].sum()) + b.credit
                           for b in facts.bands[index]),
        weekend_days=sum(1 for d in range(instance.days) if row[d] != OFF and instance.weekend(d)),
        late_shifts=sum(1 for s in row if s != OFF and instance.shifts[int(s)].late),
        unmet_wishes=unmet_wishes(instance, agent, row),
        explanation=tuple(in_english(instance, line) for line in explained),
        explained=explained,
    )


def _status_note(status: Status, total: int, bound: int | None, params: Params) -> Explanation:
    if status == "OPTIMAL":
        return Explanation("proven_optimal")
    limit: dict[str, Figure] = {"seconds": params.time_limit_seconds}
    if bound is None:
        return Explanation("time_limit", limit)
    gap = (total - bound) / total if total else 0.0
    return Explanation("time_limit", limit | {"bound": bound, "gap": gap})


def _shortage_notes(instance: Instance, facts: Facts, short: Ints, *, proven: bool
                    ) -> list[Explanation]:
    """Runs of short slots per queue, and why: no shift covers them, no agent may take one
    that does, or covering them costs more elsewhere (proven, or as far as the search saw)."""
    reach = _reach(instance, facts)
    notes: list[Explanation] = []
    for queue, row in enumerate(short):
        slot = 0
        while slot < len(row):
            if not row[slot]:
                slot += 1
                continue
            end = slot
            while end < len(row) and row[end] and reach[queue, end] == reach[queue, slot]:
                end += 1
            cause = ("no_shift", "no_agent", "optimal" if proven else "best_found")
            notes.append(Explanation("short_run", {
                "queue": instance.queues[queue], **_clock(instance, "first", slot),
                **_clock(instance, "end", end), "slots": int(row[slot:end].sum()),
                "cause": cause[int(reach[queue, slot])]}))
            slot = end
    if len(notes) > MAX_SHORTAGE_NOTES:
        extra = len(notes) - MAX_SHORTAGE_NOTES
        notes = [*notes[:MAX_SHORTAGE_NOTES], Explanation("more_runs", {"runs": extra})]
    return notes


def _reach(instance: Instance, facts: Facts) -> Ints:
    """[queue, slot]: 0 when no shift covers the slot, 1 when no agent with the skill may
    work one that does, 2 when someone may."""
    able = np.zeros((len(instance.queues), instance.days, len(instance.shifts)), dtype=np.int64)
    for agent, offered in zip(instance.agents, facts.offered, strict=True):
        for skill in agent.skills:
            able[instance.queues.index(skill)] += offered
    reach = np.zeros((len(instance.queues), instance.horizon_slots), dtype=np.int64)
    for day in range(instance.days):
        for index in range(len(instance.shifts)):
            first, end = covered(instance, day, index)
            reach[:, first:end] = np.maximum(reach[:, first:end],
                                             np.where(able[:, day, index] > 0, 2, 1)[:, None])
    return reach


def _clock(instance: Instance, name: str, slot: int) -> dict[str, Figure]:
    """A slot as its day and its minute of the day, `<name>_day` and `<name>_minutes`."""
    day, within = divmod(slot, instance.slots_per_day)
    return {f"{name}_day": day, f"{name}_minutes": within * instance.slot_minutes}
