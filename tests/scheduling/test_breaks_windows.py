"""Each agent alone (scheduling.breaks_windows) and the bound (scheduling.breaks_bound),
against brute force over every start of every break."""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest
from breaks_checker import agent_violations, brute_force
from test_breaks import random_doc

from scheduling.breaks import AgentReason, parse_instance
from scheduling.breaks_bound import lower_bound
from scheduling.breaks_chains import board_of, chains_of
from scheduling.breaks_windows import start_ranges

Doc = dict[str, Any]


def random_agent(rng: random.Random) -> tuple[Doc, Doc]:
    """An instance of one agent with up to three breaks and tight, sometimes clashing rules."""
    start = rng.randint(0, 4)
    end = start + rng.randint(4, 20)
    breaks: list[Doc] = []
    for k in range(rng.randint(0, 3)):
        earliest = rng.randint(start - 2, end)
        breaks.append(
            {
                "name": f"b{k}",
                "length": rng.randint(1, 3),
                "earliest": earliest,
                "latest": earliest + rng.randint(-1, 5),
            }
        )
    agent: Doc = {"id": "x", "shift": [start, end], "breaks": breaks}
    if breaks and rng.random() < 0.3:
        brk = rng.choice(breaks)
        agent["fixed"] = {brk["name"]: rng.randint(brk["earliest"] - 1, brk["latest"] + 1)}
    doc: Doc = {"slot_minutes": 15, "slots": 30, "requirement": [0] * 30, "agents": [agent]}
    if rng.random() < 0.7:
        doc["rules"] = {"min_work": rng.randint(0, 3), "max_work": rng.randint(3, 12)}
    if rng.random() < 0.3:
        doc["not_before"] = rng.randint(0, 10)
    return doc, agent


@pytest.mark.parametrize("seed", range(300))
def test_start_ranges_are_exactly_the_starts_of_some_plan(seed: int) -> None:
    rng = random.Random(seed)
    doc, agent = random_agent(rng)
    names = [b["name"] for b in agent["breaks"]]
    windows = [range(b["earliest"], b["latest"] + 1) for b in agent["breaks"]]
    plans = [
        starts
        for starts in itertools.product(*windows)
        if not agent_violations(doc, agent, dict(zip(names, starts, strict=True)))
    ]
    instance = parse_instance(doc)
    ranges = start_ranges(instance.agents[0], instance)
    if not plans:
        assert isinstance(ranges, AgentReason)
        assert ranges.agent == "x" and ranges.reason
        return
    assert not isinstance(ranges, AgentReason), ranges
    for k, rng_k in enumerate(ranges):
        assert rng_k.lo == min(p[k] for p in plans)
        assert rng_k.hi == max(p[k] for p in plans)


@pytest.mark.parametrize("seed", range(15))
def test_the_lagrangian_bound_never_passes_the_optimum(seed: int) -> None:
    rng = random.Random(500 + seed)
    doc = random_doc(rng, agents=3, slots=24)
    best = brute_force(doc)
    instance = parse_instance(doc)
    chains, reasons = chains_of(instance)
    if best is None or reasons:
        return
    board = board_of(instance)
    on_break = np.zeros(board.slots, dtype=np.int64)  # prices from an empty plan: a poor start
    assert lower_bound(chains, board, on_break, best + 5, deadline=float("inf")) <= best
