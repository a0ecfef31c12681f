"""What a plan does to each slot: agents on shift, on a break, short, and why a slot is short."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scheduling.breaks_chains import Chain, held_on_break, on_break, on_shift
from scheduling.breaks_types import Instance, ShortSlot

Ints = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Loads:
    """Per slot: agents required, on shift, on a break, and missing on the phones."""

    required: Ints
    on_shift: Ints
    on_break: Ints
    short: Ints


def loads(instance: Instance, chains: list[Chain], starts: list[tuple[int, ...]]) -> Loads:
    """The per-slot figures of the plan that starts the breaks at `starts`."""
    required = np.asarray(instance.requirement, dtype=np.int64)
    shift = on_shift(instance)
    brk = on_break(instance.slots, chains, starts)
    return Loads(required, shift, brk, np.maximum(0, required - shift + brk))


def short_slots(instance: Instance, chains: list[Chain], load: Loads) -> tuple[ShortSlot, ...]:
    """Every slot with agents missing on the phones, with the reason in the supervisor's words."""
    held = held_on_break(instance.slots, chains)
    return tuple(
        ShortSlot(
            slot=int(s),
            short=int(load.short[s]),
            required=int(load.required[s]),
            on_shift=int(load.on_shift[s]),
            on_break=int(load.on_break[s]),
            why=_why(load, int(s), int(held[s])),
        )
        for s in np.flatnonzero(load.short)
    )


def _why(load: Loads, slot: int, held: int) -> str:
    required, staffed = int(load.required[slot]), int(load.on_shift[slot])
    resting = int(load.on_break[slot])
    parts = []
    if staffed < required:
        parts.append(f"only {staffed} on shift for {required} needed")
    if resting and held:
        parts.append(
            f"{resting} on a break, {min(held, resting)} of them fixed, already taken "
            "or with nowhere else to go in their windows"
        )
    elif resting:
        parts.append(f"{resting} on a break")
    return "; ".join(parts)
