"""How many agents an interval needs: the contract in specs/staffing.md.

`parse_cases` turns the JSON document into `StaffingCase`s (or raises `InputError` naming
the field), `solve` staffs them all at once, `results_to_json` writes the contract's output.

Formulas (times in seconds):
    traffic a = calls x aht_seconds / (interval_minutes x 60)             Erlangs
    Erlang C (patience_seconds absent): see `scheduling.erlang_c`
        Pw = N B / (N - a + a B), B Erlang B;  SL = 1 - Pw exp(-(N - a) T / aht);
        ASA = Pw aht / (N - a);  occupancy = a / N;  N > a
    Erlang A (patience_seconds given): see `scheduling.erlang_a`, an exact birth-death
        computation of M/M/N+M; abandoned calls count as missing the service level
    agents    = the smallest N meeting the service level and, when given, max_occupancy
    positions = ceil(agents / (1 - shrinkage))
    no calls: 0 agents, SL 1, ASA 0, Pw 0, occupancy 0 (and abandon rate 0 for Erlang A).

Ratios within 1e-12 of a whole number count as that number (14 agents at 30% shrinkage are
20 positions, not the 21 that 14 / 0.7 = 20.000000000000004 would give); likewise the
occupancy cap. Service levels are exact to about 1e-14 relative, so a comparison with the
target goes the wrong way only when the two are closer than that. The traffic's own
rounding is carried along (`_traffic_error`): Erlang C's N - a, 1e-5 at 999.99999 Erlangs,
would otherwise lose 1e-8 of itself to it, and a traffic of exactly 3 Erlangs that a double
rounds to 2.9999999999999996 would take 3 agents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from scheduling.contract import InputError, field, number
from scheduling.erlang import Floats, Ints, QueueFigures
from scheduling.erlang_a import staff_erlang_a
from scheduling.erlang_c import staff_erlang_c

TIE = 1e-12
MAX_TRAFFIC_ERLANGS = 1_000_000.0
MAX_PATIENCE_PER_AHT = 1000.0
MAX_RATIO_TO_AHT = 1_000_000.0  # answer_seconds, and aht_seconds to patience: within floats

Model = Literal["erlang_c", "erlang_a"]
_FIGURES = tuple(f.name for f in fields(QueueFigures))


@dataclass(frozen=True, slots=True)
class StaffingCase:
    """One interval of one queue: its forecast volume, handle time and targets."""

    id: str
    calls: float  # offered in the interval, >= 0
    interval_minutes: float
    aht_seconds: float
    service_level: float  # target fraction answered within answer_seconds, in (0, 1)
    answer_seconds: float
    max_occupancy: float | None = None  # cap on traffic / agents, in (0, 1]
    shrinkage: float = 0.0  # fraction of paid time off the phones, in [0, 1)
    patience_seconds: float | None = None  # mean patience; given -> Erlang A

    @property
    def traffic_erlangs(self) -> float:
        """Offered load in Erlangs: calls x aht / interval length."""
        return self.calls * self.aht_seconds / (self.interval_minutes * 60.0)

    @property
    def model(self) -> Model:
        """Erlang A when callers' patience is known, else Erlang C."""
        return "erlang_c" if self.patience_seconds is None else "erlang_a"


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """The requirement for one case and what that many agents achieve."""

    id: str
    model: Model
    traffic_erlangs: float
    agents: int  # on the phones
    service_level: float
    asa_seconds: float  # mean wait of the answered calls
    probability_wait: float
    occupancy: float
    abandon_rate: float | None  # None for Erlang C
    positions: int  # people to schedule: agents grossed up for shrinkage


def solve(cases: Sequence[StaffingCase]) -> list[StaffingResult]:
    """Staff every case; results in input order."""
    column = _Columns(cases)
    agents = np.zeros(len(cases), dtype=np.int64)
    figures = {name: np.zeros(len(cases)) for name in _FIGURES}
    figures["service_level"][:] = 1.0  # no calls: none of them misses
    runs: tuple[tuple[Model, Ints], ...] = (("erlang_c", column.erlang_c),
                                           ("erlang_a", column.erlang_a))
    for model, rows in runs:
        if rows.size:
            agents[rows], found = _staff(model, column, rows)
            for name in _FIGURES:
                figures[name][rows] = getattr(found, name)
    positions = np.ceil(agents / (1 - column.shrinkage) * (1 - TIE)).astype(np.int64)
    abandon: list[float | None] = [
        None if case.patience_seconds is None else rate
        for case, rate in zip(cases, figures["abandon_rate"].tolist(), strict=True)]
    return [StaffingResult(*row) for row in zip(
        [case.id for case in cases], [case.model for case in cases], column.traffic.tolist(),
        agents.tolist(), figures["service_level"].tolist(), figures["asa_seconds"].tolist(),
        figures["probability_wait"].tolist(), figures["occupancy"].tolist(), abandon,
        positions.tolist(), strict=True)]


class _Columns:
    """The cases as numpy columns, one element per case."""

    def __init__(self, cases: Sequence[StaffingCase]) -> None:
        def col(values: list[float]) -> Floats:
            return np.array(values, dtype=np.float64).reshape(-1)

        self.traffic = col([c.traffic_erlangs for c in cases])
        self.aht = col([c.aht_seconds for c in cases])
        self.traffic_error = _traffic_error(col([c.calls for c in cases]), self.aht,
                                            col([c.interval_minutes for c in cases]),
                                            self.traffic)
        self.answer = col([c.answer_seconds for c in cases])
        self.target = col([c.service_level for c in cases])
        self.max_occupancy = col([c.max_occupancy or 1.0 for c in cases])
        self.shrinkage = col([c.shrinkage for c in cases])
        patience = col([np.nan if c.patience_seconds is None else c.patience_seconds
                        for c in cases])
        self.patience = patience
        busy = self.traffic > 0
        self.erlang_c = np.flatnonzero(busy & np.isnan(patience))
        self.erlang_a = np.flatnonzero(busy & ~np.isnan(patience))


def _staff(model: Model, col: _Columns, rows: Ints) -> tuple[Ints, QueueFigures]:
    """Each distinct case once (a day repeats many: the quiet night, a symmetric curve)."""
    patience = np.nan_to_num(col.patience[rows])  # NaN would never equal itself
    key = np.stack([col.traffic[rows], col.aht[rows], col.answer[rows], col.target[rows],
                    col.max_occupancy[rows], patience], axis=1)
    _, first, back = np.unique(key, axis=0, return_index=True, return_inverse=True)
    agents, figures = _staff_distinct(model, col, rows[first])
    back = back.reshape(-1)
    return agents[back], QueueFigures(
        **{name: getattr(figures, name)[back] for name in _FIGURES})


def _staff_distinct(model: Model, col: _Columns, rows: Ints) -> tuple[Ints, QueueFigures]:
    a, aht, answer, target = col.traffic[rows], col.aht[rows], col.answer[rows], col.target[rows]
    cap = np.ceil(a / col.max_occupancy[rows] * (1 - TIE))
    above = np.floor(a) + 1  # the first N > a, unless a was rounded down to below it
    error = col.traffic_error[rows]
    above += (above - a) - error <= 0
    lowest = np.maximum(above, cap).astype(np.int64)
    if model == "erlang_c":
        return staff_erlang_c(a, aht, answer, target, lowest, error)
    return staff_erlang_a(a, aht, answer, col.patience[rows], target, col.max_occupancy[rows],
                          lowest, error)


def _traffic_error(calls: Floats, aht: Floats, interval_minutes: Floats, traffic: Floats
                   ) -> Floats:
    """The exact calls x aht / (interval x 60) minus `traffic`, its rounding (about 1e-16
    of it): from the rounding errors of the two products (`_product_error`) and of the
    quotient's product with the divisor, all exact."""
    product, seconds = calls * aht, interval_minutes * 60.0
    back = traffic * seconds
    with np.errstate(invalid="ignore", over="ignore"):  # past 1e300 the split overflows
        rest = ((product - back) - _product_error(traffic, seconds, back)
                + _product_error(calls, aht, product) - traffic * _product_error(
                    interval_minutes, np.full(seconds.shape, 60.0), seconds))
        error = rest / seconds
    kept: Floats = np.where((traffic > 0) & np.isfinite(error), error, 0.0)
    return kept


def _product_error(x: Floats, y: Floats, product: Floats) -> Floats:
    """x y - product exactly, `product` being x y rounded (Dekker's two-product)."""
    x_high, x_low = _split(x)
    y_high, y_low = _split(y)
    return (((x_high * y_high - product) + x_high * y_low + x_low * y_high)
            + x_low * y_low)


def _split(x: Floats) -> tuple[Floats, Floats]:
    """x as high + low, each with at most 26 significant bits (Veltkamp)."""
    scaled = 134217729.0 * x  # 2^27 + 1
    high = scaled - (scaled - x)
    return high, x - high


def results_to_json(results: Sequence[StaffingResult]) -> dict[str, Any]:
    """The contract's output document."""
    return {"results": [
        {"id": r.id, "model": r.model, "traffic_erlangs": r.traffic_erlangs,
         "agents": r.agents, "service_level": r.service_level, "asa_seconds": r.asa_seconds,
         "probability_wait": r.probability_wait, "occupancy": r.occupancy,
         "abandon_rate": r.abandon_rate, "positions": r.positions}
        for r in results
    ]}


_RULES: dict[str, tuple[str, Callable[[float], bool]]] = {
    "calls": (">= 0", lambda x: x >= 0),
    "interval_minutes": ("> 0 and at most a day (1440)", lambda x: 0 < x <= 1440),
    "aht_seconds": ("> 0", lambda x: x > 0),
    "service_level": ("> 0 and < 1", lambda x: 0 < x < 1),
    "answer_seconds": (">= 0", lambda x: x >= 0),
    "max_occupancy": ("> 0 and <= 1", lambda x: 0 < x <= 1),
    "shrinkage": (">= 0 and < 1", lambda x: 0 <= x < 1),
    "patience_seconds": ("> 0", lambda x: x > 0),
}
_FIELDS = ("id", *_RULES)


def parse_cases(doc: Any) -> list[StaffingCase]:
    """The cases of a parsed JSON document, or `InputError` naming the offending field."""
    raw = field(doc, "cases", "")
    if not isinstance(raw, list):
        raise InputError("cases", "must be a list")
    return [_parse_case(item, f"cases[{k}]") for k, item in enumerate(raw)]


def _parse_case(item: Any, path: str) -> StaffingCase:
    if not isinstance(item, Mapping):
        raise InputError(path, "must be an object")
    for key in item:
        if key not in _FIELDS:
            raise InputError(f"{path}.{key}",
                             f"is not a known field (expected one of {', '.join(_FIELDS)})")
    case_id = field(item, "id", path)
    if not isinstance(case_id, str):
        raise InputError(f"{path}.id", "must be a string")
    case = StaffingCase(
        id=case_id,
        calls=_required(item, "calls", path),
        interval_minutes=_required(item, "interval_minutes", path),
        aht_seconds=_required(item, "aht_seconds", path),
        service_level=_required(item, "service_level", path),
        answer_seconds=_required(item, "answer_seconds", path),
        max_occupancy=_optional(item, "max_occupancy", path),
        shrinkage=_optional(item, "shrinkage", path) or 0.0,
        patience_seconds=_optional(item, "patience_seconds", path),
    )
    _check_scale(case, path)
    return case


def _required(item: Mapping[str, Any], key: str, path: str) -> float:
    got = number(field(item, key, path), f"{path}.{key}")
    assert got is not None  # `number` returns None only when allowed to
    return _checked(got, key, path)


def _optional(item: Mapping[str, Any], key: str, path: str) -> float | None:
    """An optional field; absent and null both mean "not given"."""
    got = number(item.get(key), f"{path}.{key}", allow_none=True)
    return None if got is None else _checked(got, key, path)


def _checked(value: float, key: str, path: str) -> float:
    reason, ok = _RULES[key]
    if not ok(value):
        raise InputError(f"{path}.{key}", f"must be {reason}")
    return value


def _check_scale(case: StaffingCase, path: str) -> None:
    """Refuse loads beyond what the exact sums are sized for."""
    if case.traffic_erlangs > MAX_TRAFFIC_ERLANGS:
        raise InputError(f"{path}.calls", f"must give at most {MAX_TRAFFIC_ERLANGS:,.0f} "
                         "Erlangs of traffic (calls x aht_seconds / interval seconds)")
    occupancy = case.max_occupancy
    if occupancy is not None and case.traffic_erlangs > occupancy * MAX_TRAFFIC_ERLANGS:
        raise InputError(f"{path}.max_occupancy", "must be at least traffic / "
                         f"{MAX_TRAFFIC_ERLANGS:,.0f} (at most that many agents)")
    if case.answer_seconds > MAX_RATIO_TO_AHT * case.aht_seconds:
        raise InputError(f"{path}.answer_seconds",
                         f"must be at most {MAX_RATIO_TO_AHT:,.0f} x aht_seconds")
    patience = case.patience_seconds
    if patience is not None and patience > MAX_PATIENCE_PER_AHT * case.aht_seconds:
        raise InputError(f"{path}.patience_seconds", "must be at most 1000 x aht_seconds "
                         "(for callers who never hang up, leave it null: Erlang C)")
    if patience is not None and patience * MAX_RATIO_TO_AHT < case.aht_seconds:
        raise InputError(f"{path}.patience_seconds",
                         f"must be at least aht_seconds / {MAX_RATIO_TO_AHT:,.0f}")
