"""CP-SAT on its own thread, beside the local search: it proves bounds and optimality on
instances small enough for it, and settles whether a tight cap leaves any plan at all."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduling import breaks_model as bm
from scheduling.breaks_chains import Board, Chain, on_break
from scheduling.breaks_types import Status

Starts = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What CP-SAT found: OPTIMAL, FEASIBLE, INFEASIBLE or UNKNOWN, a plan, a bound."""

    status: Status
    starts: list[Starts] | None
    bound: int | None


class BackgroundSolve:
    """Builds and solves the CP-SAT model on a thread; `done` is set when it has an answer."""

    def __init__(
        self,
        chains: list[Chain],
        board: Board,
        first: list[Starts] | None,
        *,
        deadline: float,
        workers: int,
        seed: int,
    ) -> None:
        self.done = threading.Event()
        self.outcome = Outcome("UNKNOWN", None, None)
        self._chains, self._board, self._first = chains, board, first
        self._deadline, self._workers, self._seed = deadline, workers, seed
        self._solver = cp_model.CpSolver()
        self._stopped = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="breaks-cp-sat", daemon=True)

    def start(self) -> BackgroundSolve:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the solver to stop now and keep what it has."""
        self._stopped = True
        self._solver.stop_search()

    def join(self) -> Outcome:
        """Wait for the thread; the outcome of the solve."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.outcome

    def _run(self) -> None:
        try:
            self.outcome = self._solve()
        except BaseException as error:  # re-raised in join(), on the caller's thread
            self._error = error
        finally:
            self.done.set()

    def _solve(self) -> Outcome:
        model, agents = self._model()
        remaining = self._deadline - time.perf_counter()
        if self._stopped or remaining <= 0:
            return Outcome("UNKNOWN", None, None)
        params = self._solver.parameters
        params.max_time_in_seconds = remaining
        params.num_workers = self._workers
        params.random_seed = self._seed
        code = self._solver.solve(model)
        if code == cp_model.INFEASIBLE:
            return Outcome("INFEASIBLE", None, None)
        bound = math.ceil(self._solver.best_objective_bound - 1e-6)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Outcome("UNKNOWN", None, bound)
        starts = bm.read_starts(list(self._solver.response_proto.solution), agents)
        return Outcome("OPTIMAL" if code == cp_model.OPTIMAL else "FEASIBLE", starts, bound)

    def _model(self) -> tuple[cp_model.CpModel, list[list[bm.BreakStarts]]]:
        board = self._board
        model = cp_model.CpModel()
        agents = bm.add_break_windows(model, self._chains)
        bm.add_work_between_breaks(model, agents, board)
        cover = bm.coverage(agents, board.slots)
        bm.add_break_cap(model, cover, board.cap.tolist())
        by_slot = bm.add_shortage_cost(model, cover, board.deficit.tolist())
        if self._first is not None:
            short = np.maximum(0, board.deficit + on_break(board.slots, self._chains, self._first))
            others = []
            for slot, (short_var, cost_var) in by_slot.items():
                value = int(short[slot])
                others += [(short_var, value), (cost_var, value * value)]
            bm.hint(model, agents, self._first, others)
        return model, agents


def cap_feasible(
    chains: list[Chain], board: Board, *, time_limit: float, workers: int, seed: int
) -> Outcome:
    """Whether the breaks fit under max_on_break at all, ignoring the objective: INFEASIBLE
    with a proof, FEASIBLE with a plan, or UNKNOWN when the time ran out."""
    model = cp_model.CpModel()
    starts = bm.add_break_intervals(model, chains)
    bm.add_work_between_break_starts(model, chains, starts, board)
    bm.add_cap_as_cumulative(model, chains, starts, board)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    code = solver.solve(model)
    if code == cp_model.INFEASIBLE:
        return Outcome("INFEASIBLE", None, None)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome("UNKNOWN", None, None)
    plan = [tuple(int(solver.value(start)) for start in agent) for agent in starts]
    return Outcome("FEASIBLE", plan, None)
