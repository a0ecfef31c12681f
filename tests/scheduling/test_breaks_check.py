"""scheduling/breaks_check: a placement's broken rules agree with the independent checker."""

from __future__ import annotations

import random

from scheduling.breaks import Agent, Break, Instance, Params, solve
from scheduling.breaks_check import check_agent, on_break, rest_of_day, shortage
from tests.scheduling import breaks_checker


def _doc(instance: Instance) -> dict[str, object]:
    return {
        "slots": instance.slots,
        "requirement": list(instance.requirement),
        "max_on_break": list(instance.max_on_break) if instance.max_on_break else None,
        "not_before": instance.not_before,
        "rules": {"min_work": instance.min_work, "max_work": instance.max_work},
        "agents": [
            {
                "id": a.id,
                "shift": [a.shift_start, a.shift_end],
                "breaks": [
                    {"name": b.name, "length": b.length, "earliest": b.earliest, "latest": b.latest}
                    for b in a.breaks
                ],
            }
            for a in instance.agents
        ],
    }


def _random_case(rng: random.Random) -> tuple[Instance, dict[str, dict[str, int]]]:
    slots = 60
    agents = []
    starts: dict[str, dict[str, int]] = {}
    for k in range(rng.randint(1, 4)):
        begin = rng.randint(0, 15)
        end = rng.randint(begin + 20, slots)
        breaks = tuple(
            Break(name, rng.randint(1, 4), lo, lo + rng.randint(0, 12))
            for name, lo in (("b1", begin + rng.randint(0, 8)), ("b2", begin + rng.randint(8, 20)))
        )
        agents.append(Agent(f"a{k}", begin, end, breaks))
        starts[f"a{k}"] = {b.name: rng.randint(b.earliest - 3, b.latest + 3) for b in breaks}
    instance = Instance(
        slot_minutes=5,
        slots=slots,
        requirement=tuple(rng.randint(0, 3) for _ in range(slots)),
        agents=tuple(agents),
        max_on_break=(rng.randint(1, 3),) * slots,
        min_work=rng.randint(0, 4),
        max_work=rng.randint(12, 30),
    )
    return instance, starts


def _in_range(instance: Instance, starts: dict[str, dict[str, int]]) -> bool:
    return all(
        s >= 0 and s + b.length <= instance.slots
        for a in instance.agents
        for b in a.breaks
        for s in [starts[a.id][b.name]]
    )


def test_a_placement_breaks_a_rule_exactly_when_the_independent_checker_says_so() -> None:
    rng = random.Random(11)
    seen = {True: 0, False: 0}
    for _case in range(400):
        instance, starts = _random_case(rng)
        if not _in_range(instance, starts):
            continue
        doc = _doc(instance)
        agent = instance.agents[0]
        others = on_break(instance, starts, without=agent.id)
        found = check_agent(instance, agent, starts[agent.id], others)
        # The checker's cap is on every slot; ours on the slots this agent is on a break.
        plan = {
            "breaks": [
                {"agent": agent.id, "name": n, "start": s} for n, s in starts[agent.id].items()
            ]
        }
        own = breaks_checker.agent_violations(doc, doc["agents"][0], starts[agent.id])  # type: ignore[index]
        counts = breaks_checker.on_break(doc, starts)
        mine = {
            s
            for b in agent.breaks
            for s in range(starts[agent.id][b.name], starts[agent.id][b.name] + b.length)
        }
        capped = any(counts[s] > instance.max_on_break[s] for s in mine)  # type: ignore[index]
        assert bool(found) == bool(own or capped), (found, own, capped, plan)
        seen[bool(found)] += 1
    assert seen[True] > 20 and seen[False] > 20  # both outcomes were tried


def test_shortage_agrees_with_the_checker() -> None:
    rng = random.Random(5)
    for _case in range(50):
        instance, starts = _random_case(rng)
        if _in_range(instance, starts):
            assert shortage(instance, starts) == breaks_checker.shortage(_doc(instance), starts)


def test_each_rule_is_named_once_for_a_placement_that_breaks_it() -> None:
    agent = Agent("a", 10, 40, (Break("b1", 2, 14, 20), Break("lunch", 4, 24, 30)))
    instance = Instance(5, 60, (0,) * 60, (agent,), (1,) * 60, min_work=3, max_work=15)
    others = [0] * 60
    others[12] = 1
    assert check_agent(instance, agent, {"b1": 16, "lunch": 26}, others) == []
    rules = [v.rule for v in check_agent(instance, agent, {"b1": 11, "lunch": 12}, others)]
    # b1 11-13 and lunch 12-16: both early, overlapping, both beside the other on a break at
    # 12; 10-11 is too short a stretch and 16-40 too long.
    assert sorted(rules) == ["cap", "cap", "max_work", "min_work", "order", "window", "window"]
    late = check_agent(instance, agent, {"b1": 20, "lunch": 48}, others)
    assert sorted(v.rule for v in late) == ["max_work", "shift", "window"]


def test_a_replan_keeps_the_past_out_of_the_rules_and_lets_an_overdue_agent_break_now() -> None:
    taken = Break("b1", 3, 10, 20, fixed_start=12)  # ended at 15
    rested = Agent("rested", 0, 96, (taken, Break("lunch", 6, 30, 50), Break("b2", 3, 50, 80)))
    overdue = Agent("overdue", 0, 96, (Break("b1", 3, 10, 20), Break("lunch", 6, 30, 60)))
    instance = Instance(
        5, 96, (1,) * 96, (rested, overdue), (2,) * 96, not_before=0, min_work=9, max_work=30
    )
    rest = rest_of_day(instance, 40)
    assert rest.not_before == 40
    kept, late = rest.agents
    assert (kept.shift_start, [b.name for b in kept.breaks]) == (15, ["lunch", "b2"])
    assert (late.shift_start, [b.name for b in late.breaks]) == (31, ["lunch"])  # b1 missed
    plan = solve(rest, Params(time_limit_seconds=2, workers=1))
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert all(b.start >= 40 for b in plan.breaks)
