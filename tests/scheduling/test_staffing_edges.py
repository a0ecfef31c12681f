"""Staffing at the edges, against the exact reference to 1e-12 relative: service levels
near 0, probabilities of waiting far below 1e-60, handle times and patience from tiny to
huge, a threshold of 0, an occupancy cap met exactly, shrinkage of 0 and 0.99, and traffic
at or next to a whole number of Erlangs."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import pytest
from mpmath import mpf
from test_staffing_reference import Exact, erlang_a_at, erlang_c_at, traffic

from scheduling.staffing import StaffingCase, StaffingResult, solve

RELATIVE = 1e-12
TIE = mpf("1e-12")  # the spec lets a comparison this close to the target go either way


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


def exact(c: StaffingCase, n: int) -> Exact:
    if c.patience_seconds is None:
        return erlang_c_at(c, n)
    return erlang_a_at(c, n, tagged="closed_form")


def meets(c: StaffingCase, n: int, slack: mpf) -> bool:
    if n <= 0 or (c.patience_seconds is None and n <= traffic(c)):
        return False
    figures = exact(c, n)
    return bool(
        figures.service_level >= c.service_level + slack
        and figures.occupancy <= mpf(c.max_occupancy or 1) * (1 + TIE)
    )


def assert_exact(c: StaffingCase) -> StaffingResult:
    """The fewest agents (a tie within 1e-12 either way), every figure to 1e-12."""
    [result] = solve([c])
    assert meets(c, result.agents, -TIE), "too few agents"
    assert not meets(c, result.agents - 1, TIE), "more agents than needed"
    want = exact(c, result.agents)
    for name in ("service_level", "asa_seconds", "probability_wait", "occupancy"):
        assert getattr(result, name) == pytest.approx(
            float(getattr(want, name)), rel=RELATIVE, abs=1e-300
        ), name
    if c.patience_seconds is not None:
        assert result.abandon_rate == pytest.approx(
            float(want.abandon_rate), rel=RELATIVE, abs=1e-300
        )
    return result


# Service levels near 0: the share answered in time is summed, not taken from 1.

NEAR_ZERO = [1e-3, 1e-4, 1e-5, 1e-6]


@pytest.mark.parametrize("target", NEAR_ZERO)
@pytest.mark.parametrize(
    ("calls", "patience", "answer"),
    [
        (5000, 300.0, 600),
        (5000, 3000.0, 20),
        (1000, 300.0, 120),
        (100, 60.0, 20),
        (5000, 3000.0, 0),
    ],
)
def test_erlang_a_service_levels_near_zero_are_exact(
    target: float, calls: float, patience: float, answer: float
) -> None:
    result = assert_exact(
        case(calls, service_level=target, patience_seconds=patience, answer_seconds=answer)
    )
    assert result.service_level < 0.05  # the regime meant: a few agents for many calls


@pytest.mark.parametrize("target", NEAR_ZERO)
@pytest.mark.parametrize(
    ("calls", "answer"),
    [
        (9999.9999, 20),
        (99.9999, 0),
        (999.999, 1),
        (49999.99, 0),
        (9.99, 20),
    ],
)
def test_erlang_c_service_levels_near_zero_are_exact(
    target: float, calls: float, answer: float
) -> None:
    """Traffic just below a whole number: N - a is 1e-5 at 1,000 Erlangs, and the traffic's
    own rounding in a double would be 1e-8 of it."""
    assert_exact(case(calls, service_level=target, answer_seconds=answer))


@pytest.mark.parametrize("target", [*NEAR_ZERO, 0.8, 0.999999])
@pytest.mark.parametrize("calls", [1e-8, 1e-4, 0.01])
@pytest.mark.parametrize("patience", [None, 60.0])
def test_traffic_near_zero_is_exact(target: float, calls: float, patience: float | None) -> None:
    result = assert_exact(case(calls, service_level=target, patience_seconds=patience))
    assert result.agents <= 2


# A probability of waiting far below 1e-60: an occupancy cap far below the traffic's.


@pytest.mark.parametrize("patience", [None, 120.0])
@pytest.mark.parametrize(
    ("calls", "cap", "agents"),
    [
        (100, 0.1, 100),
        (100, 0.05, 200),
        (10, 0.01, 100),
        (1000, 0.2, 500),
        (1, 0.001, 100),
    ],
)
def test_a_probability_of_waiting_below_1e_60_keeps_its_digits(
    calls: float, cap: float, agents: int, patience: float | None
) -> None:
    c = case(calls, max_occupancy=cap, patience_seconds=patience)
    result = assert_exact(c)
    assert result.agents == agents  # a / cap exactly: the cap binds, nothing else
    assert result.service_level == 1.0
    assert 0 < result.probability_wait < 1e-60
    assert 0 < result.asa_seconds < 1e-57


@pytest.mark.parametrize("patience", [None, 120.0])
def test_a_probability_of_waiting_below_the_doubles_is_0(patience: float | None) -> None:
    """Pw about 1e-2500: what a double cannot hold is 0, with no NaN on the way."""
    [result] = solve([case(1, max_occupancy=1e-4, patience_seconds=patience)])
    assert (result.agents, result.service_level, result.probability_wait, result.asa_seconds) == (
        1000,
        1.0,
        0.0,
        0.0,
    )
    assert result.abandon_rate == (None if patience is None else 0.0)


def test_the_reference_queue_mass_agrees_with_kummers_function() -> None:
    """The reference's stopping rule, checked by a formula it does not use: the M/M/N+M
    queue terms sum to pi_N 1F1(1; N mu / theta + 1; lam / theta)."""
    c = case(100, max_occupancy=0.1, patience_seconds=120.0)
    n = 100
    with mpmath.workdps(60):
        lam, mu, theta = mpf(100) / 1800, 1 / mpf(180), 1 / mpf(120)
        a = lam / mu
        idle = mpmath.fsum(a**k / mpmath.factorial(k) for k in range(n))
        at_n = a**n / mpmath.factorial(n)
        queue = at_n * mpmath.hyp1f1(1, n * mu / theta + 1, lam / theta)
        want = queue / (idle + queue)
    got = erlang_a_at(c, n).probability_wait
    assert want < mpf("1e-60")
    assert abs(got / want - 1) < mpf("1e-40")


# Handle times, patience and thresholds at their extremes.


@pytest.mark.parametrize("patience_per_aht", [None, 0.001, 0.01, 1.0, 100.0, 1000.0])
@pytest.mark.parametrize(
    ("calls", "aht", "interval", "answer"),
    [
        (1e6, 0.001, 30, 0),  # tiny handle time, half a million calls, 0.56 Erlangs
        (100, 0.001, 30, 20),
        (10, 1e6, 43200, 20),  # a handle time of 11.6 days, 3.9 Erlangs
        (30, 86400, 1440, 3600),
    ],
)
def test_handle_times_and_patience_at_the_extremes(
    patience_per_aht: float | None, calls: float, aht: float, interval: float, answer: float
) -> None:
    patience = None if patience_per_aht is None else patience_per_aht * aht
    assert_exact(
        case(
            calls,
            aht_seconds=aht,
            interval_minutes=interval,
            answer_seconds=answer,
            patience_seconds=patience,
        )
    )


@pytest.mark.parametrize("target", [0.5, 0.8, 0.999, 0.999999])
@pytest.mark.parametrize("calls", [10, 300])
def test_patient_callers_give_erlang_c_and_impatient_ones_erlang_b(
    target: float, calls: float
) -> None:
    """Patience of 1000 aht (the most accepted) is exact and close to Erlang C;
    patience of aht / 1000 is exact, and abandons about as often as Erlang B blocks."""
    patient = assert_exact(case(calls, service_level=target, patience_seconds=180_000.0))
    erlang_c = assert_exact(case(calls, service_level=target))
    assert erlang_c.agents - 1 <= patient.agents <= erlang_c.agents
    assert patient.service_level == pytest.approx(erlang_c.service_level, rel=0.02)
    impatient = assert_exact(case(calls, service_level=target, patience_seconds=0.18))
    a = traffic(case(calls))
    blocking = mpf(1)
    for k in range(1, impatient.agents + 1):
        blocking = a * blocking / (k + a * blocking)
    assert impatient.abandon_rate == pytest.approx(float(blocking), rel=0.05)


@pytest.mark.parametrize("patience", [None, 120.0])
@pytest.mark.parametrize("target", [0.5, 0.999999])
def test_a_threshold_of_zero(patience: float | None, target: float) -> None:
    result = assert_exact(
        case(100, answer_seconds=0, service_level=target, patience_seconds=patience)
    )
    assert result.service_level == pytest.approx(1 - result.probability_wait, rel=1e-12)


def test_patience_of_1000_aht_counts_every_abandonment() -> None:
    """Abandonment rates (j + 1) r / (N + (j + 1) r) with r = 1e-3: not from the difference
    of N + (j + 1) r and N, which kept only 1e-12 of them."""
    assert_exact(case(3000, patience_seconds=180_000.0, service_level=1 - 1e-9, answer_seconds=0))


# Occupancy caps met exactly, shrinkage, whole numbers of Erlangs.


@pytest.mark.parametrize("patience", [None, 90.0])
@pytest.mark.parametrize(
    ("calls", "interval", "cap", "agents"),
    [
        (80, 24, 0.8, 13),  # 10 Erlangs: 12.5 agents, so 13
        (100, 30, 0.5, 20),  # 10 / 20 = 0.5 exactly: allowed
        (90, 20, 0.9, 15),  # 13.5 / 15 = 0.9 exactly
        (85, 30, 0.85, 10),  # 8.5 / 10 = 0.85 exactly
    ],
)
def test_an_occupancy_cap_met_exactly_allows_that_count(
    calls: float, interval: float, cap: float, agents: int, patience: float | None
) -> None:
    result = assert_exact(
        case(
            calls,
            interval_minutes=interval,
            max_occupancy=cap,
            service_level=0.05,
            patience_seconds=patience,
        )
    )
    if patience is None:  # Erlang A's occupancy counts the answered calls only
        assert result.agents == agents


@pytest.mark.parametrize("shrinkage", [0.0, 0.3, 0.99])
def test_positions_for_no_shrinkage_and_for_99_percent(shrinkage: float) -> None:
    cases = [case(calls, shrinkage=shrinkage) for calls in range(1, 4000, 37)]
    for c, result in zip(cases, solve(cases), strict=True):
        paid = 1 - Fraction(c.shrinkage)  # the binary shrinkage, exactly
        want = -(-result.agents // paid)  # ceil
        if shrinkage == 0.3:  # within 1e-12 of a whole number: that number (the spec's tie)
            want = (
                round(result.agents / paid)
                if abs(result.agents / paid - round(result.agents / paid)) < 1e-9
                else want
            )
        assert result.positions == want
    assert solve([case(100, shrinkage=0.99)])[0].positions == 1400  # 14 agents


@pytest.mark.parametrize(
    ("calls", "interval", "patience"),
    [
        (0.7, 0.7, None),
        (179.2, 0.7, None),
        (0.7, 0.7, 60.0),
        (100, 30, None),
    ],
)
def test_traffic_of_a_whole_number_of_erlangs_needs_more_agents_than_that(
    calls: float, interval: float, patience: float | None
) -> None:
    """0.7 calls x 180 s / 42 s is exactly 3 Erlangs, which a double rounds to
    2.9999999999999996: Erlang C still needs N > 3, however low the target."""
    c = case(calls, interval_minutes=interval, service_level=1e-17, patience_seconds=patience)
    a = Fraction(calls) * 180 / (Fraction(interval) * 60)
    assert a.denominator == 1
    [result] = solve([c])
    if patience is None:
        assert result.agents == a + 1
        assert 0 < result.asa_seconds < 1e4  # not the 4e17 s of N = a
    assert_exact(
        case(calls, interval_minutes=interval, service_level=0.5, patience_seconds=patience)
    )


def test_traffic_from_fields_near_the_largest_doubles_is_staffed() -> None:
    """1e300 calls in 1e300 minutes: the traffic's rounding cannot be split out there (the
    products overflow), and is then left as it is, without a warning."""
    [result] = solve([case(1e300, interval_minutes=1e300)])
    assert (result.agents, result.traffic_erlangs) == (5, pytest.approx(3.0, rel=1e-15))
