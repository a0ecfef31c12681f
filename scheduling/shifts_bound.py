"""A lower bound for designs that pay for each distinct shift, by counting clock times.

With k distinct shifts in use, the head count can change only at their k start times and
k end times of the day, on every day alike. Relax everything else: between two such
times, each day's head count is a free constant (at most what the shifts could reach).
The cheapest such step curve with m change times is found exactly by dynamic programming
over the times of day; then no design with k shifts costs less than that curve's
shortage and surplus plus k times the shift weight.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scheduling.shifts_domain import Instance

Floats = npt.NDArray[np.float64]
_BARRED = 1e15  # cost of a head count the shifts cannot reach


def distinct_shift_bound(
    instance: Instance,
    most: npt.NDArray[np.int64],
    *,
    shifts_at_most: int,
    ceiling: float,
    error_floor: float,
) -> float:
    """No design costs less than this. `ceiling` (a design's cost) stops the count early;
    `error_floor` is a known bound on shortage and surplus alone."""
    weights = instance.weights
    best = weights.under * float(sum(instance.requirement))  # no shifts at all
    if weights.shift > 0:
        shifts_at_most = min(shifts_at_most, int(ceiling / weights.shift))
    changes = min(2 * shifts_at_most, instance.slots_per_day)
    if changes == 0:
        return best
    curve = cheapest_step_curves(instance, most, changes)
    for shifts in range(1, shifts_at_most + 1):
        error = max(curve[min(2 * shifts, changes)], error_floor)
        best = min(best, error + weights.shift * shifts)
    return best


def cheapest_step_curves(
    instance: Instance, most: npt.NDArray[np.int64], changes: int
) -> Floats:
    """For m = 0..changes: least shortage-and-surplus cost of a head count that changes
    only at m clock times (the same every day); index 0 is unused (infinite)."""
    segment = _segment_costs(instance, most)
    slots_per_day = instance.slots_per_day
    best = np.full(changes + 1, np.inf)
    offsets = np.arange(slots_per_day + 1)
    lengths = offsets[None, :] - offsets[:, None]
    for first in range(slots_per_day):
        # Change times first = p1 < p2 < ... < pm < first + S, as offsets from `first`.
        cost = np.where(
            lengths > 0,
            segment[(first + offsets[:, None]) % slots_per_day, np.clip(lengths, 0, None)],
            np.inf,
        )
        reach = np.full(slots_per_day + 1, np.inf)
        reach[0] = 0.0
        for m in range(1, changes + 1):
            reach = (reach[:, None] + cost).min(axis=0)
            best[m] = min(best[m], reach[slots_per_day])
    return np.minimum.accumulate(best)


def _segment_costs(instance: Instance, most: npt.NDArray[np.int64]) -> Floats:
    """cost[a, n]: least cost of one constant head count per day over clock slots
    a .. a+n-1 (wrapping into the next day), summed over the days."""
    slots_per_day = instance.slots_per_day
    need = np.asarray(instance.requirement, dtype=np.float64)
    levels = np.unique(np.concatenate([need, most.astype(np.float64), [0.0]]))
    gap = levels[:, None] - need[None, :]
    per_slot = np.where(gap >= 0, instance.weights.over * gap, -instance.weights.under * gap)
    per_slot = np.where(levels[:, None] > most[None, :], _BARRED, per_slot)
    if instance.cyclic:
        per_slot = np.concatenate([per_slot, per_slot[:, :slots_per_day]], axis=1)
    else:  # past the horizon nothing is counted
        per_slot = np.concatenate([per_slot, np.zeros((len(levels), slots_per_day))], axis=1)
    prefix = np.concatenate([np.zeros((len(levels), 1)), np.cumsum(per_slot, axis=1)], axis=1)
    cost = np.zeros((slots_per_day, slots_per_day + 1))
    for start in range(slots_per_day):
        for day in range(instance.days):
            first = day * slots_per_day + start
            window = prefix[:, first + 1 : first + slots_per_day + 1] - prefix[:, [first]]
            cost[start, 1:] += window.min(axis=0)
        if not instance.cyclic:  # a curve wrapping past midnight restarts on day 0
            head = prefix[:, 1 : slots_per_day + 1] - prefix[:, [0]]
            wrapped = np.arange(1, slots_per_day + 1) + start - slots_per_day
            cost[start, 1:] += np.where(
                wrapped > 0, head[:, np.clip(wrapped - 1, 0, None)].min(axis=0), 0.0
            )
    return cost
