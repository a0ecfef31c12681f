"""The shortcuts that make Erlang A staffing fast give what the plain computation gives:
Erlang B stepped from a neighbouring count, running products instead of sums of logs,
the guided search for N, and each distinct case staffed once."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_staffing_reference import erlang_a_at

import scheduling.staffing as staffing
from scheduling.erlang import (
    BLOCK_CELLS,
    NEAR_STEPS,
    QueueFigures,
    log_inverse_erlang_b,
    log_inverse_erlang_b_near,
    row_groups,
    running_sums,
)
from scheduling.erlang_a import PRODUCT_TERMS, _queue_logs, _queue_terms, erlang_a_figures
from scheduling.erlang_a_search import GUIDED_ROUNDS, Search
from scheduling.staffing import StaffingCase, solve


def case(calls: float, **fields: Any) -> StaffingCase:
    base: dict[str, Any] = {
        "id": "q",
        "calls": calls,
        "interval_minutes": 30,
        "aht_seconds": 180,
        "service_level": 0.8,
        "answer_seconds": 20,
    }
    return StaffingCase(**(base | fields))


def test_erlang_b_stepped_from_a_neighbour_is_erlang_b() -> None:
    rng = np.random.default_rng(5)
    traffic = 10 ** rng.uniform(-2, 4.7, 4000)
    agents = np.maximum(np.round(traffic * rng.uniform(0.2, 1.5, traffic.size)), 0).astype(int)
    known_at = np.maximum(agents + rng.integers(-NEAR_STEPS - 2, NEAR_STEPS + 3, agents.size), 0)
    known = log_inverse_erlang_b(known_at, traffic)
    known[::7] = np.nan  # nothing known: from scratch
    got = log_inverse_erlang_b_near(agents, traffic, known_at, known)
    want = log_inverse_erlang_b(agents, traffic)
    assert got == pytest.approx(want, rel=1e-13, abs=1e-15)
    # down from 1/B < e (B near 1, many more calls than agents) is refused, not imprecise
    low = log_inverse_erlang_b_near(
        np.array([3]),
        np.array([50.0]),
        np.array([4]),
        log_inverse_erlang_b(np.array([4]), np.array([50.0])),
    )
    assert low == pytest.approx(log_inverse_erlang_b(np.array([3]), np.array([50.0])), rel=1e-15)


def _ratios(rows: int, seed: int, *, a: float, n: float, r: float, width: int) -> Any:
    """The ratios a / (N + j r) of the queue terms, as `_queue_sums` builds them."""
    rng = np.random.default_rng(seed)
    a_ = a * rng.uniform(0.95, 1.05, (rows, 1))
    n_ = np.round(n * rng.uniform(0.95, 1.05, (rows, 1)))
    r_ = r * rng.uniform(0.5, 1.5, (rows, 1))
    return a_ / (n_ + r_ * np.arange(1, width))


@pytest.mark.parametrize(
    ("a", "n", "r", "width"),
    [
        (10.0, 12, 1.0, 64),  # a small queue
        (300.0, 250, 0.1, 1500),  # patient callers, fewer agents than Erlangs
        (5e4, 5.5e4, 0.05, 2048),  # 50,000 Erlangs
    ],
)
def test_running_products_give_the_sums_of_logs(a: float, n: float, r: float, width: int) -> None:
    ratios = _ratios(20, 1, a=a, n=n, r=r, width=width)
    q, log_top = _queue_terms(ratios)
    q_logs, log_top_logs = _queue_logs(ratios)
    assert log_top == pytest.approx(log_top_logs, rel=1e-14, abs=1e-13)
    counts = q_logs > 1e-17  # the terms that count: the rest are below e^-40 of the largest
    assert q[counts] == pytest.approx(q_logs[counts], rel=1e-13)


def test_running_products_give_way_where_doubles_would_not_do() -> None:
    climbing = _ratios(4, 2, a=1000.0, n=200, r=0.5, width=2001)  # climbs past e^700
    mixed = np.concatenate([climbing, _ratios(4, 3, a=10.0, n=12, r=1.0, width=2001)])
    q, log_top = _queue_terms(mixed)
    q_logs, log_top_logs = _queue_logs(mixed)
    assert (log_top[:4] > 700).all()
    assert (log_top[:4] == log_top_logs[:4]).all() and (q[:4] == q_logs[:4]).all()
    assert q[4:] == pytest.approx(q_logs[4:], rel=1e-13, abs=1e-300)
    long = _ratios(2, 4, a=10.0, n=12, r=0.001, width=PRODUCT_TERMS + 1)  # too long a series
    assert (_queue_terms(long)[0] == _queue_logs(long)[0]).all()


@pytest.mark.parametrize(
    ("c", "n"),
    [
        (case(1e4, patience_seconds=360, answer_seconds=600), 200),  # queue terms up to e^900
        (case(100, patience_seconds=120, answer_seconds=18000), 12),  # NegBin from e^-1350
    ],
    ids=["long queue", "long threshold"],
)
def test_figures_far_out_match_the_chain(c: StaffingCase, n: int) -> None:
    assert c.patience_seconds is not None
    got = erlang_a_figures(
        np.array([n]),
        np.array([c.traffic_erlangs]),
        np.array([c.aht_seconds]),
        np.array([c.answer_seconds]),
        np.array([c.patience_seconds]),
    )
    exact = erlang_a_at(c, n, tagged="closed_form")
    for name in ("service_level", "asa_seconds", "probability_wait", "occupancy", "abandon_rate"):
        assert float(getattr(got, name)[0]) == pytest.approx(
            float(getattr(exact, name)), rel=1e-9, abs=1e-300
        ), name


# The search, on slacks made up to test it: meets(n) is n >= answer, whatever the slack says.

Slack = Callable[[Any, Any], Any]
SLACKS: dict[str, Slack] = {
    "linear": lambda n, answer: (answer - 0.5 - n) / 10.0,
    "concave": lambda n, answer: -np.expm1(np.minimum(n - answer + 0.5, 300) / 3.0),
    "steep": lambda n, answer: -np.sign(n - answer + 0.5) * np.abs(n - answer + 0.5) ** 3,
    "flat": lambda n, answer: np.zeros(n.shape),
    "noise": lambda n, answer: np.random.default_rng(int(n.sum()) % 1000).normal(size=n.shape),
    "unknown": lambda n, answer: np.full(n.shape, np.nan),
}


@pytest.mark.parametrize("kind", SLACKS)
def test_search_finds_the_fewest_in_a_logarithmic_number_of_rounds(kind: str) -> None:
    rng = np.random.default_rng(11)
    answer = rng.integers(1, 1_000_000, 300)
    guess = np.maximum(answer + rng.integers(-50_000, 50_000, answer.size), 1)
    guess[:50] = answer[:50]  # some guesses right, some one off
    guess[50:100] = answer[50:100] - 1
    low = np.maximum(answer - rng.integers(1, 2_000_000, answer.size), 0)
    search, rounds = Search(low=low, guess=guess), 0
    while (probe := search.probe())[0].size:
        rows, n = probe
        assert (n > search.low[rows]).all()
        assert ((search.high[rows] < 0) | (n < search.high[rows])).all()
        slack = np.stack([SLACKS[kind](n, answer[rows]), np.full(n.shape, -1.0)])
        blank = QueueFigures(*(np.zeros(n.size) for _ in range(5)))
        search.record(rows, n, n >= answer[rows], slack, blank)
        rounds += 1
        assert rounds <= GUIDED_ROUNDS + 2 * math.ceil(math.log2(4e6)), kind
    assert (search.high == answer).all()


@pytest.mark.parametrize(("off", "most"), [(0, 2), (-1, 2), (1, 3), (-3, 4), (3, 4), (40, 6)])
def test_search_needs_few_evaluations_when_the_slack_is_close_to_linear(
    off: int, most: int
) -> None:
    """N and N - 1 when the guess is N or N - 1; a couple more for a guess further off."""
    answer = np.arange(100, 1100)
    search, evaluations = Search(low=np.zeros(answer.size, dtype=int), guess=answer + off), 0
    while (probe := search.probe())[0].size:
        rows, n = probe
        evaluations += n.size
        slack = np.stack([(answer[rows] - 0.5 - n) * 0.7, np.full(n.shape, -1.0)])
        search.record(
            rows, n, n >= answer[rows], slack, QueueFigures(*(np.zeros(n.size) for _ in range(5)))
        )
    assert (search.high == answer).all()
    assert evaluations <= most * answer.size


def test_the_answer_holds_far_from_erlang_c() -> None:
    """Low targets, very impatient callers, long thresholds: Erlang A's N is far from the
    Erlang C guess, in both directions."""
    rng = np.random.default_rng(17)
    cases = [
        case(
            float(10 ** rng.uniform(0, 4.5)),
            aht_seconds=float(rng.uniform(30, 900)),
            service_level=float(rng.choice([0.02, 0.1, 0.5, 0.9, 0.999999])),
            answer_seconds=float(rng.choice([0, 20, 300, 1800])),
            max_occupancy=float(rng.choice([0.6, 0.95, 1.0])),
            patience_seconds=float(rng.choice([2.0, 30.0, 600.0, 86400.0])),
        )
        for _ in range(150)
    ]
    for c, result in zip(cases, solve(cases), strict=True):
        assert c.patience_seconds is not None
        cap = (c.max_occupancy or 1.0) * (1 + 1e-12)
        args = [
            np.array([x])
            for x in (c.traffic_erlangs, c.aht_seconds, c.answer_seconds, c.patience_seconds)
        ]
        at = erlang_a_figures(np.array([result.agents]), *args)
        assert at.service_level[0] >= c.service_level * (1 - 1e-12)
        assert at.occupancy[0] <= cap
        fewer = erlang_a_figures(np.array([result.agents - 1]), *args)
        assert fewer.service_level[0] < c.service_level * (1 + 1e-12) or fewer.occupancy[0] > cap, c


def test_each_distinct_case_is_staffed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    staff = staffing.staff_erlang_a

    def counting(traffic: Any, *rest: Any) -> Any:
        sizes.append(traffic.size)
        return staff(traffic, *rest)

    monkeypatch.setattr(staffing, "staff_erlang_a", counting)
    night = [case(2, patience_seconds=60, id=f"night-{k}") for k in range(30)]
    day = [case(100 + k, patience_seconds=60, id=f"day-{k}") for k in range(10)]
    other = [case(2, patience_seconds=61, id="other")]  # one field apart: another case
    results = solve(night + day + night + other)
    assert sizes == [12]  # 1 night, 10 day, 1 other
    assert len({(r.agents, r.service_level, r.asa_seconds) for r in results[:30]}) == 1
    assert [r.id for r in results] == [c.id for c in night + day + night + other]
    alone = solve([night[0]])[0]
    assert results[0].agents == alone.agents
    assert results[0].service_level == pytest.approx(alone.service_level, rel=1e-13)


def test_running_sums_start_from_zero_in_extended_precision() -> None:
    steps = np.array([[1e-20, 1.0, 1e-20], [2.0, -2.0, 0.5]])
    sums = running_sums(steps)
    assert sums.dtype == np.longdouble
    assert sums[:, 0].tolist() == [0.0, 0.0]
    assert sums[1].tolist() == [0.0, 2.0, 0.0, 0.5]
    assert sums[0, 1] == np.longdouble(1e-20)  # not lost to rounding in a double


def test_row_blocks_cover_every_row_once_and_stay_small() -> None:
    rng = np.random.default_rng(2)
    widths = np.concatenate([rng.integers(1, 60, 900), rng.integers(1, 9000, 100), [1, 50_000]])
    seen: list[int] = []
    for rows, width in row_groups(widths):
        assert width == widths[rows].max()
        assert rows.size * width <= BLOCK_CELLS or rows.size == 1
        seen.extend(rows.tolist())
    assert sorted(seen) == list(range(widths.size))
    padded = sum(rows.size * width for rows, width in row_groups(widths))
    assert padded < 1.1 * widths.sum()  # rows of like width together: little padding
    assert list(row_groups(np.zeros(0, dtype=np.int64))) == []
