"""Erlang A (M/M/N+M, callers hang up): figures for N agents, and the smallest N.

Rates per aht: arrivals a (the traffic in Erlangs), service 1 per agent, abandonment
r = aht / patience per waiting caller. The birth-death chain on k calls in the system has,
relative to k = N,
    pi_k / pi_N     = prod_{i=k+1..N} i / a          for k < N  (sum: 1/B(N) - 1, Erlang B)
    q_j = pi_{N+j} / pi_N = prod_{i=1..j} a / (N + i r)   for j >= 0 callers waiting.
A caller who arrives to find j waiting (PASTA) moves up one place at rate N + i r (an
answer, or an abandonment ahead) and hangs up at rate r, so with s_j = N + (j + 1) r:
    P(answered | j)             = p_j = N / s_j     (the product telescopes)
    E[wait; answered | j]       = p_j * sum_{m=1..j+1} aht / (N + m r)
    P(answered within T | j)    = p_j * P(NegBin(N / r + 1, x) > j),   x = exp(-T / patience)
The last line holds because, weighted by exp(-r t), the time to reach an agent is a sum of
exponentials with rates N + m r (m = 1..j+1), and exp(-r t) of that sum is
Beta(N / r + 1, j + 1) distributed; for a whole second parameter the Beta tail is a
negative-binomial distribution function, a sum of positive terms. With Z = sum of all pi:
    probability_wait = sum_j q_j / Z          abandon_rate = sum_j q_j (1 - p_j) / Z
    service_level    = (1/B - 1 + sum_j q_j p_j F_j^c) / Z,  miss = 1 - service_level
                     = sum_j q_j ((1 - p_j) + p_j F_j) / Z,  F the NegBin distribution
    asa_seconds      = sum_j q_j E[wait; answered | j] / P(answered) / Z
    occupancy        = a P(answered) / N
Every sum has positive terms only and is carried relative to its largest term, so the
figures are exact to rounding. The q_j rise until N + j r reaches a and then fall like a
Gaussian of width sqrt(a / r); those below e^-40 of the largest are left out
(`_last_queue_term`). The q_j are running products of their ratios while these stay below
e^700 and run to at most 2,048 terms (as exact there as running sums of logs, at a quarter
of the cost), else running sums of logs in extended precision, as the NegBin terms always
are. The on-time share F_j^c = 1 - F_j keeps only 1e-16 absolutely; where almost every
answered caller waits past T (a service level near 0) that would be most of the digits of
SL (5e-10 of them at a target of 1e-6), so there sum_j q_j p_j F_j^c is summed over the
NegBin's terms instead, a sum of positive terms too (`_answered_on_time`).

The smallest N: SL increases and occupancy decreases with N, and any N < target * a fails
(at most N / a of the callers are ever answered). The search (`erlang_a_search`) starts one
below Erlang C's N for the same targets, then follows how far each count misses or clears
the targets; Erlang B at each probe comes from the count probed before it
(`erlang.log_inverse_erlang_b_near`), Erlang C's N first.
"""

from __future__ import annotations

import numpy as np

from scheduling.erlang import (
    Floats,
    Ints,
    QueueFigures,
    log_inverse_erlang_b,
    log_inverse_erlang_b_near,
    row_groups,
    running_sums,
)
from scheduling.erlang_a_search import Search
from scheduling.erlang_c import erlang_c_agents

TIE = 1e-12
"""Relative slack in the occupancy cap: 0.85 x 10 agents is 8.5 Erlangs, despite rounding."""
DECAY_NATS = 40.0
"""Queue terms this far below the largest (e^-40) are left out."""
PRODUCT_RANGE_NATS = 700.0
"""Running products of queue terms stay below e^700, where doubles keep every digit."""
PRODUCT_TERMS = 2048
"""Longer series are summed as logs: a running product rounds twice a step (the ratio and
the product), a running sum of logs in extended precision once (the ratio), which over
10,000 steps makes a difference of 1e-13."""


def erlang_a_figures(
    agents: Ints, traffic: Floats, aht_seconds: Floats, answer_seconds: Floats,
    patience_seconds: Floats,
) -> QueueFigures:
    """SL, ASA, Pw, occupancy and abandon rate with `agents` >= 0 on the phones."""
    figures, _ = _evaluate(agents, traffic, aht_seconds, answer_seconds, patience_seconds,
                           log_inverse_erlang_b(agents, traffic))
    return figures


def staff_erlang_a(
    traffic: Floats,
    aht_seconds: Floats,
    answer_seconds: Floats,
    patience_seconds: Floats,
    service_level: Floats,
    max_occupancy: Floats,
    lowest_erlang_c: Ints,
    traffic_error: Floats | None = None,
) -> tuple[Ints, QueueFigures]:
    """Smallest N with SL(N) >= `service_level` and occupancy <= `max_occupancy`, and the
    figures at that N. `lowest_erlang_c` is the first N the Erlang C search may try (its
    `traffic_error` as in `erlang_c.erlang_c_figures`)."""
    erlang_c, log_inv_b_c = erlang_c_agents(traffic, aht_seconds, answer_seconds,
                                            service_level, lowest_erlang_c, traffic_error)
    search = Search(
        low=np.maximum(np.ceil(service_level * traffic * (1 - 1e-9)) - 1, 0).astype(np.int64),
        guess=erlang_c - 1,  # callers who hang up usually save an agent or more
    )
    allowed_miss, cap = 1 - service_level, max_occupancy * (1 + TIE)
    log_allowed_miss, log_cap = np.log1p(-service_level), np.log(cap)
    b_agents, log_inv_b = erlang_c, log_inv_b_c  # Erlang B at the count last evaluated
    while (probe := search.probe())[0].size:
        rows, agents = probe
        log_inv_b[rows] = log_inverse_erlang_b_near(agents, traffic[rows], b_agents[rows],
                                                    log_inv_b[rows])
        b_agents[rows] = agents
        figures, miss = _evaluate(agents, traffic[rows], aht_seconds[rows],
                                  answer_seconds[rows], patience_seconds[rows], log_inv_b[rows])
        meets = (miss <= allowed_miss[rows]) & (figures.occupancy <= cap[rows])
        with np.errstate(divide="ignore"):
            slack = np.stack([np.log(miss) - log_allowed_miss[rows],
                              np.log(figures.occupancy) - log_cap[rows]])
        search.record(rows, agents, meets, slack, figures)
    return search.high, search.figures


def _evaluate(
    n: Ints, traffic: Floats, aht: Floats, answer: Floats, patience: Floats, log_inv_b: Floats
) -> tuple[QueueFigures, Floats]:
    """Figures with n agents, and the miss fraction 1 - SL; `log_inv_b` is log(1/B(n)),
    B the Erlang B blocking."""
    ratio, answer_ratio = aht / patience, answer / patience
    with np.errstate(divide="ignore"):
        log_idle = log_inv_b + np.log(-np.expm1(-log_inv_b))  # log(1/B - 1); -inf when N = 0
    last = _last_queue_term(n, traffic, ratio)
    sums = np.empty((7, n.size))
    for rows, width in row_groups(last + 1):
        sums[:, rows] = _queue_sums(n[rows], traffic[rows], ratio[rows], answer_ratio[rows],
                                    log_idle[rows], width)
    idle, waiting, answered_late, within_late, late, abandoned, waited = sums
    total, answered = idle + waiting, idle + answered_late
    figures = QueueFigures(
        service_level=(idle + within_late) / total,
        asa_seconds=aht * waited / np.where(answered > 0, answered, 1.0),
        probability_wait=waiting / total,
        occupancy=np.where(  # busy agents / N, which rounding must not push past 1
            n > 0, np.minimum(traffic * answered / total / np.maximum(n, 1), 1.0), 0.0),
        abandon_rate=abandoned / total,
    )
    return figures, (abandoned + late) / total


def _last_queue_term(n: Ints, traffic: Floats, ratio: Floats) -> Ints:
    """Past the peak j* = (a - N) / r the terms fall by sum_i log(1 + i r / a) >= (a / r)
    h(v), h(v) = (1 + v) log(1 + v) - v >= v^2 / (2 + 2 v / 3), v = i r / a; solve for 40."""
    c = DECAY_NATS * ratio / traffic
    v = c / 3 + np.sqrt(c * c / 9 + 2 * c)
    peak = np.maximum((traffic - n) / ratio, 0.0)
    return np.ceil(peak + v / ratio * traffic).astype(np.int64) + 2


def _queue_sums(
    n_int: Ints, a_row: Floats, r_row: Floats, t_row: Floats, log_idle: Floats, width: int
) -> Floats:
    """Per row, relative to the largest term: idle, waiting, answered after a wait,
    answered within T after a wait, answered later, abandoned, and wait of the answered
    (in aht). Columns past a row's last term are further terms of the same series."""
    n, a, r = n_int[:, None].astype(np.float64), a_row[:, None], r_row[:, None]
    hang_up = r * np.arange(1, width + 1, dtype=np.float64)  # (j + 1) r
    rate = n + hang_up  # s_j = N + (j + 1) r
    q, log_top = _queue_terms(a / rate[:, :-1])
    shape, not_x = n / r + 1, -np.expm1(-t_row[:, None])  # NegBin(shape, x = exp(-T / patience))
    with np.errstate(divide="ignore"):  # T = 0: every step of the NegBin has probability 0
        steps = np.log((shape + np.arange(width - 1.0)) * (not_x / np.arange(1.0, width)))
        first = shape.astype(np.longdouble) * np.log1p(-not_x.astype(np.longdouble))  # x^shape
    nb = np.exp((running_sums(steps) + first).astype(np.float64))
    top = np.maximum(log_idle, log_top)
    q *= np.exp(log_top - top)[:, None]
    answer = n / rate
    gone = hang_up / rate  # not (rate - N) / rate: (j + 1) r may be 1e-3 of N
    wait = np.cumsum(1.0 / rate, axis=1)
    late = np.minimum(np.cumsum(nb, axis=1), 1.0)  # P(NegBin <= j)
    q_answer = q * answer
    idle, answered, answered_late = (np.exp(log_idle - top), q_answer.sum(axis=1),
                                     np.einsum("ij,ij->i", q_answer, late))
    return np.stack([
        idle,
        q.sum(axis=1),
        answered,
        _answered_on_time(q_answer, nb, late[:, -1], shape[:, 0], not_x[:, 0], idle,
                          answered, answered_late),
        answered_late,
        np.einsum("ij,ij->i", q, gone),
        np.einsum("ij,ij->i", q_answer, wait),
    ])


def _queue_terms(ratios: Floats) -> tuple[Floats, Floats]:
    """q_j / max q and log max q, q_j the running products of `ratios` from q_0 = 1: as such
    where the series is at most `PRODUCT_TERMS` long and stays below e^700, else (and for
    those rows) as running sums of logs in extended precision."""
    if ratios.shape[1] + 1 > PRODUCT_TERMS:
        return _queue_logs(ratios)
    q = np.empty((ratios.shape[0], ratios.shape[1] + 1))
    q[:, 0] = 1.0
    with np.errstate(over="ignore", invalid="ignore"):  # such rows are done again
        np.cumprod(ratios, axis=1, out=q[:, 1:])
        q_max = q.max(axis=1)
        q /= q_max[:, None]
        log_top = np.log(q_max)
    wide = ~(q_max < np.exp(PRODUCT_RANGE_NATS))
    if wide.any():
        q[wide], log_top[wide] = _queue_logs(ratios[wide])
    return q, log_top


def _queue_logs(ratios: Floats) -> tuple[Floats, Floats]:
    """What `_queue_terms` gives, from running sums of logs: any range, any length."""
    log_q = running_sums(np.log(ratios))
    log_top = log_q.max(axis=1)
    return np.exp((log_q - log_top[:, None]).astype(np.float64)), log_top.astype(np.float64)


TAIL_CHUNK = 256
"""Terms of the NegBin's tail past the last column summed at a time (`_negbin_tail`)."""
TAIL_TERMS = 1 << 20
"""The tail is summed to at most this many terms; past them its bound stands in."""


def _answered_on_time(
    q_answer: Floats, nb: Floats, late: Floats, shape: Floats, not_x: Floats, idle: Floats,
    answered: Floats, answered_late: Floats,
) -> Floats:
    """sum_j q_j p_j P(NegBin > j), relatively exact; first as the difference of
    `answered` (sum_j q_j p_j) and `answered_late` (sum_j q_j p_j P(NegBin <= j)). Each
    1 - P(NegBin <= j) keeps only 1e-16 absolutely, which is enough unless the difference
    is small against `answered` and `idle` (which the service level adds to it) does not
    make up for it: there, on a
    service level near 0, the sum is taken over the NegBin's terms instead,
        sum_k P(NegBin = k) sum_{j<k} q_j p_j  +  sum_j q_j p_j P(NegBin >= width),
    the tail summed (`_negbin_tail`) only where it could count against the rest. Where
    P(NegBin >= width) is at least 1/8 (`late`, P(NegBin <= width - 1), at most 7/8), so
    is every P(NegBin > j), and the difference loses at most 3 bits."""
    difference = answered - answered_late
    rows = np.flatnonzero((late > 0.875) & (idle + difference < 0.125 * answered))
    if not rows.size:
        return difference
    width = nb.shape[1]
    upto = np.cumsum(q_answer[rows], axis=1)  # sum_{j<=k} q_j p_j
    summed = np.einsum("ij,ij->i", nb[rows, 1:], upto[:, :-1])
    s, y, last = shape[rows], not_x[rows], nb[rows, -1]
    bound = _negbin_tail_bound(last, s, y, width)
    tail = np.where(answered[rows] * bound > 1e-18 * (idle[rows] + summed), np.nan, bound)
    if np.isnan(tail).any():
        sure = np.flatnonzero(np.isnan(tail))
        tail[sure] = _negbin_tail(last[sure], s[sure], y[sure], width)
    result = difference.copy()
    result[rows] = summed + answered[rows] * tail
    return result

def _negbin_ratio(k: Floats, shape: Floats, not_x: Floats) -> Floats:
    """P(NegBin = k) / P(NegBin = k - 1)."""
    return (shape + k - 1) * not_x / k


def _negbin_tail_bound(last: Floats, shape: Floats, not_x: Floats, width: int) -> Floats:
    """An upper bound on P(NegBin >= width) from the term at width - 1: past it the ratios
    of the terms fall (shape >= 1), so the tail is below a geometric series; inf where the
    terms still rise."""
    ratio = _negbin_ratio(np.full(last.shape, float(width)), shape, not_x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ratio < 1, last * ratio / (1 - ratio), np.inf)


def _negbin_tail(last: Floats, shape: Floats, not_x: Floats, width: int) -> Floats:
    """P(NegBin >= width) from the term at width - 1, summed term by term until what is
    left (a geometric bound) is below 1e-18 of the sum."""
    total, term = np.zeros(last.shape), last.copy()
    todo, k = np.flatnonzero(term > 0), width
    while todo.size and k < width + TAIL_TERMS:
        ks = k + np.arange(TAIL_CHUNK, dtype=np.float64)
        ratios = _negbin_ratio(ks[None, :], shape[todo, None], not_x[todo, None])
        terms = term[todo, None] * np.exp(np.cumsum(np.log(ratios), axis=1))
        total[todo] += terms.sum(axis=1)
        term[todo] = terms[:, -1]
        k += TAIL_CHUNK
        left = _negbin_tail_bound(term[todo], shape[todo], not_x[todo], k)
        todo = todo[~(left <= 1e-18 * total[todo])]
    if todo.size:  # too slow a tail to sum: its bound
        total[todo] += _negbin_tail_bound(term[todo], shape[todo], not_x[todo], k)
    return total
