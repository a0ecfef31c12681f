"""A first roster, agent by agent: each takes the shifts that cover the most of what is
still short, weighed against their contract, wishes and fair share, within every hard rule.

`Board` holds what is still short per queue and slot and the plan; `AgentState` one agent's
days with exact gains of every change (roster_search.py improves the plan with them). An
agent the greedy cannot place within the rules (it never backtracks) is left to
roster_check.py.
"""

from __future__ import annotations

import numpy as np

from scheduling.roster_domain import OFF, Facts, Floats, Ints, Plan, covered, shift_minutes
from scheduling.roster_types import Agent, Instance

_GUIDED = 1e9  # weight of the relaxation's plan over the exact gains while following it


class Board:
    """Agents still missing per queue and slot (negative: surplus), and the plan so far.

    With a relaxation's plan (`class_of[agent, week]` indexing `targets`, each the head
    counts of a class of agents per day, shift and queue), agents first take what their
    class still has to fill, then what gains."""

    def __init__(self, instance: Instance, facts: Facts, class_of: Ints | None = None,
                 targets: list[Floats] | None = None) -> None:
        self.instance, self.facts = instance, facts
        self.class_of = class_of
        self.targets = None if targets is None else [t.copy() for t in targets]
        days, shifts = instance.days, len(instance.shifts)
        self.residual = np.asarray(instance.requirement, dtype=np.int64).reshape(
            len(instance.queues), instance.horizon_slots).copy()
        self.plan = Plan(np.full((len(instance.agents), days), OFF, dtype=np.int64),
                         np.full((len(instance.agents), days), OFF, dtype=np.int64))
        spans = [[covered(instance, d, s) for s in range(shifts)] for d in range(days)]
        self.first = np.array([[f for f, _ in row] for row in spans], dtype=np.int64)
        self.end = np.array([[e for _, e in row] for row in spans], dtype=np.int64)
        self.minutes = shift_minutes(instance)
        self.weekend = np.array([instance.weekend(d) for d in range(days)])
        self.late = np.array([s.late for s in instance.shifts])
        self.week_of = np.zeros(days, dtype=np.int64)
        for index, week in enumerate(instance.weeks()):
            self.week_of[week.start:week.stop] = index
        self.clash = [(one, later, set(too_soon))
                      for (one, later), too_soon in facts.conflicts.items()]

    def gains(self, state: AgentState) -> Floats:
        """[day, shift, queue]: how much the objective falls if the agent took that choice
        now (exact: every penalty's change), -inf where it is not open to them."""
        weights = self.instance.weights
        short = np.zeros((self.residual.shape[0], self.residual.shape[1] + 1), dtype=np.int64)
        np.cumsum(self.residual > 0, axis=1, out=short[:, 1:])
        value = short[:, self.end] - short[:, self.first]  # [queue, day, shift]
        gains = weights.shortage * np.moveaxis(value, 0, 2).astype(np.float64)
        gains -= weights.wish * state.wish_cost[:, :, None]
        gains -= (weights.weekend * state.weekend_days * self.weekend)[:, None, None]
        gains -= (weights.late * state.late_shifts * self.late)[None, :, None]
        gains -= weights.hours * state.hours_cost()[:, :, None]
        gains[~state.open] = -np.inf
        return gains

    def place(self, index: int, rng: np.random.Generator | None = None) -> bool:
        """Give an agent with no days the shifts worth taking, then fill each week up to its
        floor; False (and nothing taken) when stuck or when no days can keep the rules."""
        state = AgentState(self, index)
        if any(done > band.high for done, band in zip(state.done, state.bands, strict=True)):
            return False  # time-off credit alone over a week's ceiling
        if self.targets is not None and self.class_of is not None:
            self._follow(state)
        while state.take(self.gains(state), positive_only=True, rng=rng) is not None:
            pass
        for week, band in enumerate(self.facts.bands[index]):
            while state.done[week] < band.low:
                gains = self.gains(state)
                gains[self.week_of != week] = -np.inf
                if state.take(gains, positive_only=False) is None:
                    for day in np.flatnonzero(state.row >= 0):
                        state.drop(int(day))
                    return False
        return True


    def _follow(self, state: AgentState) -> None:
        """Take the choices the agent's class still has to fill, most wanted first."""
        assert self.targets is not None and self.class_of is not None
        classes = [self.targets[c] for c in self.class_of[state.index]]
        while True:
            wanted = np.zeros(state.open.shape)
            for week, target in zip(self.facts.bands[state.index], classes, strict=True):
                wanted[week.days.start:week.days.stop] = target[week.days.start:week.days.stop]
            follow = _GUIDED * np.round(np.clip(wanted, 0.0, 1.0), 2) + self.gains(state)
            taken = state.take(follow, positive_only=True, above=_GUIDED / 2)
            if taken is None:
                return
            day, shift, queue = taken
            classes[int(self.week_of[day])][day, shift, queue] -= 1


class AgentState:
    """One agent's days and the counts their rules and penalties depend on."""

    def __init__(self, board: Board, index: int) -> None:
        self.board, self.index = board, index
        instance = board.instance
        self.agent: Agent = instance.agents[index]
        self.bands = board.facts.bands[index]
        self.row = board.plan.shift[index]  # a view: changes go straight into the plan
        self.queue_row = board.plan.queue[index]
        worked = self.row >= 0
        minutes = np.where(worked, board.minutes[self.row], 0)
        self.done = [int(minutes[b.days.start:b.days.stop].sum()) + b.credit for b in self.bands]
        self.shifts_in_week = [int(worked[b.days.start:b.days.stop].sum()) for b in self.bands]
        self.weekend_days = int((worked & board.weekend).sum())
        self.late_shifts = int((worked & board.late[self.row]).sum())
        queues = np.zeros(len(instance.queues), dtype=np.bool_)
        queues[[instance.queues.index(q) for q in self.agent.skills]] = True
        self.offered = board.facts.offered[index][:, :, None] & queues[None, None, :]
        self.open = self.offered.copy()
        self.open[worked] = False
        self.wish_cost = wish_cost(instance, self.agent)

    def hours_cost(self) -> Floats:
        """[day, shift]: change in minutes off the contract if that shift were taken."""
        cost = np.zeros(self.open.shape[:2])
        for week, band in enumerate(self.bands):
            if band.target is not None:
                now = abs(self.done[week] - band.target)
                after = np.abs(self.done[week] + self.board.minutes - band.target) - now
                cost[band.days.start:band.days.stop] = after[None, :]
        return cost

    def take(self, gains: Floats, *, positive_only: bool, above: float = 0.0,
             rng: np.random.Generator | None = None) -> tuple[int, int, int] | None:
        """Take the best choice that keeps every hard rule (gaining more than `above` when
        `positive_only`): its (day, shift, queue), or None. `rng` breaks ties at random."""
        noise = 0.0 if rng is None else rng.random(gains.shape) * 1e-3
        for flat in np.argsort(-(gains + noise), axis=None, kind="stable"):
            gain = gains.flat[flat]
            if gain == -np.inf or (positive_only and gain <= above):
                return None
            day, shift, queue = (int(v) for v in np.unravel_index(flat, gains.shape))
            if self.fits(day, shift):
                self.add(day, shift, queue)
                return day, shift, queue
        return None

    def fits(self, day: int, shift: int) -> bool:
        """Whether working `shift` on the (free) `day` keeps the hard rules."""
        board, rules = self.board, self.board.instance.rules
        week = int(board.week_of[day])
        if self.done[week] + int(board.minutes[shift]) > self.bands[week].high:
            return False
        cap = rules.max_shifts_per_week
        if cap is not None and self.shifts_in_week[week] >= cap:
            return False
        row, days = self.row, len(self.row)
        for one, later, clash in board.clash:
            if one == shift and day + later < days and row[day + later] in clash:
                return False
            if day >= later and row[day - later] == one and shift in clash:
                return False
        return rules.max_consecutive_days is None or self._run(day) <= rules.max_consecutive_days

    def _run(self, day: int) -> int:
        """Days in a row worked through `day` if it were worked, history included."""
        row = self.row
        before = day
        while before > 0 and row[before - 1] != OFF:
            before -= 1
        after = day
        while after + 1 < len(row) and row[after + 1] != OFF:
            after += 1
        history = self.agent.days_worked_before if before == 0 else 0
        return after - before + 1 + history

    def add(self, day: int, shift: int, queue: int) -> None:
        """Work `shift` on `queue` on `day`."""
        self.row[day], self.queue_row[day] = shift, queue
        self.open[day] = False
        self._count(day, shift, queue, 1)

    def drop(self, day: int) -> tuple[int, int]:
        """Take the agent off on `day`; the (shift, queue) they had."""
        shift, queue = int(self.row[day]), int(self.queue_row[day])
        self.row[day] = self.queue_row[day] = OFF
        self.open[day] = self.offered[day]
        self._count(day, shift, queue, -1)
        return shift, queue

    def _count(self, day: int, shift: int, queue: int, sign: int) -> None:
        board = self.board
        week = int(board.week_of[day])
        self.done[week] += sign * int(board.minutes[shift])
        self.shifts_in_week[week] += sign
        self.weekend_days += sign * int(board.weekend[day])
        self.late_shifts += sign * int(board.late[shift])
        board.residual[queue, board.first[day, shift]:board.end[day, shift]] -= sign


def wish_cost(instance: Instance, agent: Agent) -> Floats:
    """[day, shift]: unmet wishes if that shift is worked, less those if the day is off."""
    names = {s.name: i for i, s in enumerate(instance.shifts)}
    cost = np.zeros((instance.days, len(instance.shifts)))
    for wish in agent.wishes:
        days = slice(None) if wish.day is None else slice(wish.day, wish.day + 1)
        shift = names.get(str(wish.shift), -1)
        if wish.kind == "day_off":
            cost[days] += 1
        elif wish.kind == "avoid":
            cost[days, shift] += 1
        elif wish.day is not None:  # unmet when off too, so working it gains one
            cost[days, shift] -= 1
        else:
            cost[days] += 1
            cost[days, shift] -= 1
    return cost


def greedy_plan(
    instance: Instance, facts: Facts, class_of: Ints | None = None,
    targets: list[Floats] | None = None,
) -> tuple[Board, list[int]]:
    """The greedy roster on its board, most constrained agents first, following the
    relaxation's plan when given; the agents it could not place (left off in the plan)."""
    board = Board(instance, facts, class_of, targets)

    def tightness(index: int) -> tuple[int, int]:
        return len(instance.agents[index].skills), int(facts.offered[index].sum())

    order = sorted(range(len(instance.agents)), key=tightness)
    return board, [index for index in order if not board.place(index)]
