"""An exact reference for staffing, in 50-digit arithmetic (mpmath), and its own checks.

Written from the definitions, independently of scheduling/erlang*.py, and shared with
benchmarks/staffing.py (so it imports nothing but mpmath and the case type).
- Erlang C: Erlang B by its defining recursion from B(0) = 1, walking N up from 1.
- Erlang A: the stationary distribution of the M/M/N+M birth-death chain summed term by
  term; the service level and the wait of the answered from the tagged caller's own
  Markov chain (queue position, absorbed by an answer or by hanging up), by
  uniformization and triangular solves. For very large queues, where that chain is too
  long to run, `tagged="closed_form"` uses the product formulas instead (same chain).
Every infinite sum stops only when a bound on what is left is below `NEGLIGIBLE` of the
sum it belongs to (the queue's terms: of the queue's own mass, so a probability of
waiting of 1e-100 keeps its digits), and nothing that could be small is taken as a
difference of numbers close to 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
from mpmath import mpf

from scheduling.staffing import StaffingCase

DIGITS = 50
TIE = mpf("1e-12")
NEGLIGIBLE = mpf("1e-60")
mpmath.mp.dps = DIGITS  # comparisons in the tests, too, need the digits


@dataclass(frozen=True)
class Exact:
    """Figures at a given number of agents, to 50 digits."""

    agents: int
    service_level: mpf
    asa_seconds: mpf
    probability_wait: mpf
    occupancy: mpf
    abandon_rate: mpf


def traffic(case: StaffingCase) -> mpf:
    with mpmath.workdps(DIGITS):
        return mpf(case.calls) * mpf(case.aht_seconds) / (mpf(case.interval_minutes) * 60)


def erlang_c_staffing(case: StaffingCase) -> tuple[range, Exact]:
    """Agent counts that are the smallest meeting the targets, within a 1e-12 tie; the
    figures at the strict one."""
    with mpmath.workdps(DIGITS):
        a = traffic(case)
        if a == 0:
            return range(0, 1), Exact(0, mpf(1), mpf(0), mpf(0), mpf(0), mpf(0))
        target, occ = mpf(case.service_level), mpf(case.max_occupancy or 1)
        b, n, loose = mpf(1), 0, None
        while True:
            n += 1
            b = a * b / (n + a * b)
            if n <= a or a / n > occ * (1 + TIE):
                continue
            exact = _erlang_c_figures(n, a, b, case)
            if loose is None and exact.service_level >= target - TIE and a / n <= occ * (1 + TIE):
                loose = n
            if exact.service_level >= target + TIE and a / n <= occ * (1 - TIE):
                assert loose is not None
                return range(loose, n + 1), exact


def erlang_c_at(case: StaffingCase, n: int) -> Exact:
    with mpmath.workdps(DIGITS):
        a, b = traffic(case), mpf(1)
        for k in range(1, n + 1):
            b = a * b / (k + a * b)
        return _erlang_c_figures(n, a, b, case)


def _erlang_c_figures(n: int, a: mpf, b: mpf, case: StaffingCase) -> Exact:
    aht, answer = mpf(case.aht_seconds), mpf(case.answer_seconds)
    wait = n * b / (n - a + a * b)
    return Exact(
        agents=n,
        service_level=1 - wait * mpmath.exp(-(n - a) * answer / aht),
        asa_seconds=wait * aht / (n - a),
        probability_wait=wait,
        occupancy=a / n,
        abandon_rate=mpf(0),
    )


def erlang_a_at(case: StaffingCase, n: int, *, tagged: str = "chain") -> Exact:
    """M/M/N+M figures at n agents, from the birth-death chain (rates per second)."""
    assert case.patience_seconds is not None
    with mpmath.workdps(DIGITS):
        lam = mpf(case.calls) / (mpf(case.interval_minutes) * 60)
        mu, theta = 1 / mpf(case.aht_seconds), 1 / mpf(case.patience_seconds)
        pi = _stationary(n, lam, mu, theta)
        total = mpmath.fsum(pi)
        idle, queue = pi[:n], pi[n:]
        abandon = theta * mpmath.fsum(j * p for j, p in enumerate(queue)) / lam / total
        tag = _tagged_chain if tagged == "chain" else _tagged_closed_form
        within_t, answered, wait_answered = tag(n, mu, theta, mpf(case.answer_seconds),
                                                len(queue))
        idle_mass = mpmath.fsum(idle)
        answered_mass = idle_mass + mpmath.fsum(p * s for p, s in zip(queue, answered, strict=True))
        return Exact(
            agents=n,
            service_level=(idle_mass + mpmath.fsum(
                p * s for p, s in zip(queue, within_t, strict=True))) / total,
            asa_seconds=mpmath.fsum(p * w for p, w in zip(queue, wait_answered, strict=True))
            / answered_mass if answered_mass > 0 else mpf(0),
            probability_wait=mpmath.fsum(queue) / total,
            occupancy=lam / mu * (1 - abandon) / n if n > 0 else mpf(0),
            abandon_rate=abandon,
        )


def erlang_a_answered_share(case: StaffingCase, n: int) -> mpf:
    """P(answered) from the tagged caller's chain: checks the abandonment rate formula."""
    assert case.patience_seconds is not None
    with mpmath.workdps(DIGITS):
        lam = mpf(case.calls) / (mpf(case.interval_minutes) * 60)
        mu, theta = 1 / mpf(case.aht_seconds), 1 / mpf(case.patience_seconds)
        pi = _stationary(n, lam, mu, theta)
        _, answered, _ = _tagged_chain(n, mu, theta, mpf(0), len(pi) - n)
        return (mpmath.fsum(pi[:n]) + mpmath.fsum(
            p * s for p, s in zip(pi[n:], answered, strict=True))) / mpmath.fsum(pi)


def _stationary(n: int, lam: mpf, mu: mpf, theta: mpf) -> list[mpf]:
    """Unnormalised pi_k, k = 0 .. K, with K past n and what is left of the queue's terms,
    weighted by their length too (for the abandonment), below `NEGLIGIBLE` of the queue's
    mass: past K the ratios pi_{k+1} / pi_k = lam / (n mu + (k + 1 - n) theta) only fall,
    so that rest is below sum_m (j + m) pi_K rho^m <= (j + 1) pi_K rho / (1 - rho)^2,
    j = K - n (checked once the last term itself is that small)."""
    pi, queue, k = [mpf(1)], mpf(0), 0
    while True:
        k += 1
        death = min(k, n) * mu + max(k - n, 0) * theta
        pi.append(pi[-1] * lam / death)
        if k < n:
            continue
        queue += pi[-1]
        if k > n and pi[-1] * (k - n + 1) < NEGLIGIBLE * queue:
            rho = lam / (death + theta)
            if rho < 1 and (k - n + 1) * pi[-1] * rho / (1 - rho) ** 2 < NEGLIGIBLE * queue:
                return pi


def _tagged_chain(
    n: int, mu: mpf, theta: mpf, t: mpf, positions: int
) -> tuple[list[mpf], list[mpf], list[mpf]]:
    """For a caller who arrives to find j waiting (position j + 1): P(answered within t),
    P(answered), E[wait; answered]. Position p moves up at n mu + (p - 1) theta, hangs up at
    theta; the head is answered at n mu. Q is lower bidiagonal on positions 1..M."""
    out = [n * mu + p * theta for p in range(positions)]  # leaving position p + 1 forward
    diag = [-(n * mu + (p + 1) * theta) for p in range(positions)]
    head = [mpf(1)] + [mpf(0)] * (positions - 1)
    ever = [-x for x in _solve(diag, out, head)]  # -Q^-1 e_1
    wait = _solve(diag, out, _solve(diag, out, head))  # Q^-2 e_1
    rate = -min(diag)
    within, w = [mpf(0)] * positions, head
    for tail in _poisson_tails(rate * t):
        within = [x + tail * y / rate for x, y in zip(within, w, strict=True)]
        w = [w[p] * (1 + diag[p] / rate) + (out[p] * w[p - 1] / rate if p else 0)
             for p in range(positions)]
    scale = n * mu
    return [scale * x for x in within], [scale * x for x in ever], [scale * x for x in wait]


def _poisson_tails(mean: mpf) -> list[mpf]:
    """P(Poisson(mean) > k) for k = 0, 1, ... until the rest, below the geometric series
    pmf_k rho / (1 - rho) (rho = mean / (k + 1), falling), is under `NEGLIGIBLE`, as sums
    of positive terms: each probability of an answer within T is exact to 1e-60 absolutely."""
    if mean == 0:
        return []
    pmf, k = [mpmath.exp(-mean)], 0
    while (rho := mean / (k + 1)) >= 1 or pmf[-1] * rho / (1 - rho) > NEGLIGIBLE:
        k += 1
        pmf.append(pmf[-1] * mean / k)
    tails, above = [], mpf(0)
    for p in reversed(pmf[1:]):
        above += p
        tails.append(above)
    return tails[::-1]


def _solve(diag: list[mpf], out: list[mpf], rhs: list[mpf]) -> list[mpf]:
    """x with Q x = rhs, Q[p][p] = diag[p], Q[p][p-1] = out[p] (forward substitution)."""
    x: list[mpf] = []
    for p, value in enumerate(rhs):
        x.append((value - (out[p] * x[p - 1] if p else 0)) / diag[p])
    return x


def _tagged_closed_form(
    n: int, mu: mpf, theta: mpf, t: mpf, positions: int
) -> tuple[list[mpf], list[mpf], list[mpf]]:
    """The same three lists from products: the stages of the wait are exponential with
    rates n mu + m theta, and exp(-theta W) of their sum is Beta(n mu / theta + 1, j + 1)."""
    shape = n * mu / theta + 1
    answered, waits, harmonic = [], [], mpf(0)
    for j in range(positions):
        share = n * mu / (n * mu + (j + 1) * theta)
        harmonic += 1 / (n * mu + (j + 1) * theta)
        answered.append(share)
        waits.append(share * harmonic)
    above = _negbin_above(shape, theta * t, positions)
    return [s * p for s, p in zip(answered, above, strict=True)], answered, waits


def _negbin_above(shape: mpf, log_inv_x: mpf, positions: int) -> list[mpf]:
    """P(NegBin(shape, x) > j) for j < positions, x = exp(-log_inv_x), as sums of the terms
    above j (nothing cancels, however small they are): those up to `positions`, then the
    tail past them, as 1 minus the distribution function where that is at least 1e-5 (at
    10 more digits, it loses at most 5), else term by term until what is left, below
    the geometric series of the last term's ratio (the ratios fall), is negligible."""
    if log_inv_x == 0:  # T = 0: nobody is answered within it after a wait
        return [mpf(0)] * positions
    with mpmath.workdps(DIGITS + 10):
        x, y = mpmath.exp(-log_inv_x), -mpmath.expm1(-log_inv_x)
        terms = [x**shape]
        for j in range(positions - 1):
            terms.append(terms[-1] * (shape + j) / (j + 1) * y)
        tail = 1 - mpmath.fsum(terms)
        if tail < mpf("1e-5"):
            tail, term, k = mpf(0), terms[-1], positions
            while True:
                term *= (shape + k - 1) / k * y
                tail += term
                rho = (shape + k) / (k + 1) * y
                if rho < 1 and term * rho / (1 - rho) < NEGLIGIBLE**2 * tail:
                    break
                k += 1
        above = []
        for term in reversed(terms):
            above.append(tail)
            tail += term
    return [+value for value in reversed(above)]  # rounded to the caller's digits

# The reference checked against figures known independently of it.


def _case(**fields: float | None) -> StaffingCase:
    base: dict[str, float | None] = {"calls": 100, "interval_minutes": 30, "aht_seconds": 180,
                                     "service_level": 0.8, "answer_seconds": 20}
    base.update(fields)
    return StaffingCase(id="x", **base)  # type: ignore[arg-type]


def test_reference_erlang_c_matches_the_textbook_example() -> None:
    agents, exact = erlang_c_staffing(_case())
    assert list(agents) == [14]  # the classic 10 Erlangs at 80/20: 13 agents give 79.6%
    assert abs(exact.service_level - mpf("0.88835")) < mpf("1e-5")
    assert abs(erlang_c_at(_case(), 13).service_level - mpf("0.79559")) < mpf("1e-5")


def test_reference_erlang_a_chain_and_closed_form_agree() -> None:
    case = _case(patience_seconds=90.0)
    chain, closed = erlang_a_at(case, 11), erlang_a_at(case, 11, tagged="closed_form")
    for name in ("service_level", "asa_seconds"):
        assert abs(getattr(chain, name) / getattr(closed, name) - 1) < mpf("1e-30")
    assert abs(erlang_a_answered_share(case, 11) - (1 - chain.abandon_rate)) < mpf("1e-30")


def test_reference_erlang_a_tends_to_erlang_c_for_patient_callers() -> None:
    patient = erlang_a_at(_case(patience_seconds=1e7), 13)
    assert abs(patient.service_level - erlang_c_at(_case(), 13).service_level) < mpf("1e-4")
