"""The smallest N meeting the targets, from as few Erlang A evaluations as possible.

Every case keeps the most agents known to fail (`low`) and the fewest known to meet the
targets (`high`, -1 while unknown); since SL rises and occupancy falls with N, the answer is
found once high = low + 1, and it depends only on which counts meet the targets. How far a
count misses or clears them only guides the next probe: its two slacks
    log(1 - SL(N)) - log(1 - target)    and    log(occupancy(N) / cap)
are > 0 where that target fails, <= 0 where it is met, and close to linear in N (the first
is concave). One probe per case and round:
- the first at the guess, the second one count beyond it (up if it failed, down if it met);
- then at the first count that the lines through the two nearest evaluated points (across
  the answer once it is bracketed) put at or below 0 for both slacks, rounded to whichever
  of the two counts around the crossing is the less certain;
- where no such line is known (a slope of the wrong sign, a single point), or where two
  guided probes in a row fell on the same side of the answer (a concave slack makes the
  line creep towards it from one side), the probe goes at least as far as a doubling step
  would from the known side, or halfway across the bracket;
- after `GUIDED_ROUNDS` rounds, doubling steps and bisection alone, so a case ends in a
  logarithmic number of rounds whatever the shape of its slacks.
On a day of 96 intervals x 20 queues this takes 2.12 evaluations per case (2 is the least
possible: N and N - 1), against 2.30 for steps of 1, 2, 4 ... and bisection alone.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from scheduling.erlang import Bools, Floats, Ints, QueueFigures

GUIDED_ROUNDS = 8
"""Rounds in which the slacks guide the probes."""
REACH_STEPS = 16
"""A line followed outside the known points goes at most this many doubling steps."""
SLACKS = 2


class Search:
    """The search state of every case: `probe` says what to evaluate next, `record` takes
    the outcome, `high` and `figures` hold the answer."""

    def __init__(self, low: Ints, guess: Ints) -> None:
        """`low`: a count known to fail (a bound, not evaluated); `guess`: the first probe."""
        size = low.shape
        self.low = low.astype(np.int64)
        self.high = np.full(size, -1, dtype=np.int64)
        # the slacks at low and high, and at the evaluated count next to each (low2 < low,
        # high2 > high); nan where none was evaluated
        self.low_s, self.high_s = np.full((SLACKS, *size), np.nan), np.full((SLACKS, *size), np.nan)
        self.low2_s, self.high2_s = self.low_s.copy(), self.high_s.copy()
        self.low2, self.high2 = self.low.copy(), self.high.copy()
        self.probed = np.zeros(size, dtype=bool)  # whether low was evaluated (it fails)
        self.next = np.maximum(guess, self.low + 1)
        self.step = np.ones(size, dtype=np.int64)
        self.guided = np.zeros(size, dtype=bool)  # the last probe followed the lines
        self.guided_met = np.full(size, -1, dtype=np.int64)  # -1 none, 0 failed, 1 met
        self.stalled = np.zeros(size, dtype=bool)
        self.rounds = 0
        self.found = {f.name: np.zeros(size) for f in fields(QueueFigures)}

    def probe(self) -> tuple[Ints, Ints]:
        """The pending cases and the count to evaluate for each."""
        rows = np.flatnonzero((self.high < 0) | (self.high - self.low > 1))
        if rows.size and self.rounds > 0:
            self.next[rows] = self._choose(rows)
        self.rounds += 1
        return rows, self.next[rows]

    def record(
        self, rows: Ints, probe: Ints, meets: Bools, slack: Floats, figures: QueueFigures
    ) -> None:
        """Take the outcome of `probe`; `slack` has one row per slack. A count already
        outside (low, high), as rounding next to a tie could make one, is left out."""
        guided = self.guided[rows]
        self.stalled[rows] = np.where(guided, self.guided_met[rows] == meets, self.stalled[rows])
        self.guided_met[rows] = np.where(guided, meets, self.guided_met[rows])
        high = self.high[rows]
        inside = (probe > self.low[rows]) & ((high < 0) | (probe < high))
        up, down = inside & meets, inside & ~meets
        r, k = rows[up], np.flatnonzero(up)
        self.high2[r], self.high2_s[:, r] = self.high[r], self.high_s[:, r]
        self.high[r], self.high_s[:, r] = probe[k], slack[:, k]
        for name, values in self.found.items():
            values[r] = getattr(figures, name)[k]
        r, k = rows[down], np.flatnonzero(down)
        self.low2[r], self.low2_s[:, r] = self.low[r], self.low_s[:, r]
        self.low[r], self.low_s[:, r] = probe[k], slack[:, k]
        self.probed[r] = True

    @property
    def figures(self) -> QueueFigures:
        return QueueFigures(**self.found)

    def _choose(self, rows: Ints) -> Ints:
        low, high, step = self.low[rows], self.high[rows], self.step[rows]
        self.step[rows] *= 2
        known, evaluated = high >= 0, self.probed[rows]
        safe = np.where(known, np.where(evaluated, (low + high + 1) // 2, high - step), low + step)
        if self.rounds >= GUIDED_ROUNDS:
            self.guided[rows] = False
            return _inside(safe, low, high)
        crossing, usable = self._crossing(rows)
        crossing = np.where(known, crossing, np.minimum(crossing, low + REACH_STEPS * step))
        crossing = np.where(
            known & ~evaluated, np.maximum(crossing, high - REACH_STEPS * step), crossing
        )
        crossing = np.where(usable, np.maximum(crossing, low + 1e-9), low + 1)
        crossing = np.where(known, np.minimum(crossing, high), crossing)
        n = np.ceil(crossing).astype(np.int64)
        # of n - 1 (fails if the line is right) and n (meets), probe the one nearer the
        # crossing: the other is the likelier to go as the line says
        nearer_low = (crossing - (n - 1) <= 0.5) & (n - 1 > low)
        n = np.where(nearer_low | (known & (n >= high)), n - 1, n)
        stalled = self.stalled[rows]
        n = np.where(stalled & ~known, np.maximum(n, safe), n)
        n = np.where(stalled & known & ~evaluated, np.minimum(n, safe), n)
        n = np.where(stalled & known & evaluated, (n + safe + (n > safe)) // 2, n)
        n = np.where(usable, n, safe)
        self.guided[rows] = usable
        return _inside(n, low, high)

    def _crossing(self, rows: Ints) -> tuple[Floats, Bools]:
        """Where the lines through the two nearest evaluated points put both slacks at 0,
        and whether such lines are known."""
        low, high = self.low[rows], self.high[rows]
        ls, hs = self.low_s[:, rows], self.high_s[:, rows]
        ls2, hs2 = self.low2_s[:, rows], self.high2_s[:, rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            between = low + (high - low) * ls / (ls - hs)
            up = low + ls * (low - self.low2[rows]) / (ls2 - ls)
            down = high - hs * (self.high2[rows] - high) / (hs2 - hs)
        known, evaluated = high >= 0, self.probed[rows]
        crossing = np.where(known, np.where(evaluated, between, down), up)
        usable = np.isfinite(crossing) & np.where(
            known, np.where(evaluated, ls > hs, hs > hs2), ls2 > ls
        )
        # a slack already <= 0 at low, or <= 0 and flat below high, bounds nothing
        idle = np.where(evaluated, ls <= 0, known & (hs <= 0) & (hs == hs2))
        crossing, usable = np.where(idle, low, crossing), usable | idle
        return crossing.max(axis=0), usable.all(axis=0)


def _inside(n: Ints, low: Ints, high: Ints) -> Ints:
    """n moved into (low, high), high < 0 meaning unbounded."""
    n = np.maximum(n, low + 1)
    return np.where(high >= 0, np.minimum(n, high - 1), n)
