"""Erlang C (M/M/N, callers never hang up): figures for N agents, and the smallest N.

All times in seconds; a = traffic in Erlangs, T = answer_seconds, N > a agents.
    B(N)   Erlang B, from `erlang.log_inverse_erlang_b`
    Pw(N)  = N B / (N - a + a B)                  probability of waiting (Erlang C)
    SL(N)  = 1 - Pw(N) exp(-(N - a) T / aht)      answered within T
    ASA(N) = Pw(N) aht / (N - a)                  mean wait
    occupancy = a / N
Everything is carried as logarithms; SL is compared with its target through the miss
fraction 1 - SL = exp(log Pw - (N - a) T / aht), which keeps full relative precision for
targets close to 1. The SL reported is a sum of two positive shares instead, exact for
service levels close to 0 too:
    SL = (1 - Pw) + Pw (1 - exp(-(N - a) T / aht)),   1 - Pw = (N - a)(1 - B) / (N - a + a B).

The search for N starts at the lowest candidate (the first N > a that respects the
occupancy cap), evaluates B there once, and then walks up a window of candidates at a
time with the stable recurrence 1/B(n) = 1 + (n / a) / B(n - 1), solved in closed form
for the whole window:
    1/B(N0 + m) = P_m (1/B(N0) + sum_{l=1..m} 1/P_l),   P_m = prod_{s=1..m} (N0 + s) / a,
where every 1/P_l <= 1, so the sum neither overflows nor cancels. SL increases with N,
so the first candidate in the window that meets the target is the smallest.
"""

from __future__ import annotations

import numpy as np

from scheduling.erlang import (
    Floats,
    Ints,
    QueueFigures,
    log_inverse_erlang_b,
    row_groups,
    running_sums,
)

WINDOW_SIGMAS = 3.0
"""The first window covers a + 3 sqrt(a) agents, enough for most targets."""


def erlang_c_figures(
    agents: Ints, traffic: Floats, aht_seconds: Floats, answer_seconds: Floats,
    traffic_error: Floats | None = None,
) -> QueueFigures:
    """SL, ASA, Pw and occupancy with `agents` > `traffic` on the phones; `traffic_error`
    is what the traffic lost to rounding (the exact traffic minus `traffic`), if known."""
    spare = _spare(agents, traffic, traffic_error)
    return _figures(agents, traffic, aht_seconds, answer_seconds,
                    log_inverse_erlang_b(agents, traffic), spare)


def staff_erlang_c(
    traffic: Floats,
    aht_seconds: Floats,
    answer_seconds: Floats,
    service_level: Floats,
    lowest: Ints,
    traffic_error: Floats | None = None,
) -> tuple[Ints, QueueFigures]:
    """Smallest N >= `lowest` (itself > traffic) with SL(N) >= `service_level`, and the
    figures at that N; `traffic_error` as in `erlang_c_figures`."""
    agents, log_inv_b = erlang_c_agents(traffic, aht_seconds, answer_seconds, service_level,
                                        lowest, traffic_error)
    return agents, _figures(agents, traffic, aht_seconds, answer_seconds, log_inv_b,
                            _spare(agents, traffic, traffic_error))


def erlang_c_agents(
    traffic: Floats,
    aht_seconds: Floats,
    answer_seconds: Floats,
    service_level: Floats,
    lowest: Ints,
    traffic_error: Floats | None = None,
) -> tuple[Ints, Floats]:
    """The N of `staff_erlang_c`, and log(1/B) there (B the Erlang B blocking)."""
    error = np.zeros(traffic.shape) if traffic_error is None else traffic_error
    log_allowed_miss = np.log1p(-service_level)
    agents = np.zeros(traffic.shape, dtype=np.int64)
    log_inv_b_found = np.zeros(traffic.shape)
    pending = np.arange(traffic.size)
    start = lowest.astype(np.int64)
    log_inv_b = log_inverse_erlang_b(start, traffic)
    width = (np.ceil(WINDOW_SIGMAS * np.sqrt(traffic)) + 8).astype(np.int64)
    while pending.size:
        still: list[Ints] = []
        for group, size in row_groups(width[pending]):
            rows = pending[group]
            lib = _window(start[rows], log_inv_b[rows], traffic[rows], size)
            n = start[rows, None] + np.arange(size)[None, :]
            spare = _spare(n, traffic[rows, None], error[rows, None])
            miss = _log_miss(n, traffic[rows, None], aht_seconds[rows, None],
                             answer_seconds[rows, None], lib, spare)
            meets = miss <= log_allowed_miss[rows, None]
            found = meets.any(axis=1)
            first = meets[found].argmax(axis=1)
            agents[rows[found]] = n[found, first]
            log_inv_b_found[rows[found]] = lib[found, first]
            walk = rows[~found]
            start[walk] += size - 1
            log_inv_b[walk] = lib[~found, -1]
            width[walk] *= 2
            still.append(walk)
        pending = np.concatenate(still)
    return agents, log_inv_b_found


def _window(start: Ints, log_inv_b: Floats, traffic: Floats, size: int) -> Floats:
    """log(1/B(n)) for n = start .. start + size - 1, from log(1/B(start))."""
    m = np.arange(1, size, dtype=np.float64)
    log_p = running_sums(np.log((start[:, None] + m) / traffic[:, None]))
    shrink = np.exp((-log_p[:, 1:] - log_inv_b[:, None]).astype(np.float64))
    tail = np.log1p(running_sums(shrink).astype(np.float64))
    return (log_p + log_inv_b[:, None] + tail).astype(np.float64)


def _spare(n: Ints, traffic: Floats, error: Floats | None) -> Floats:
    """N - a, exact: N - traffic is (Sterbenz) wherever it is small, and the traffic's own
    rounding, 1e-16 of it, would otherwise be most of the digits of N - a = 1e-5 at 1,000
    Erlangs (and so of Pw, SL and ASA)."""
    spare: Floats = n - traffic
    return spare if error is None else spare - error


def _log_wait(n: Ints, traffic: Floats, log_inv_b: Floats, spare: Floats) -> Floats:
    """log Pw = log(N B / (N - a + a B)); `spare` is N - a."""
    return np.log(n) - log_inv_b - np.log(spare + traffic * np.exp(-log_inv_b))


def _log_miss(
    n: Ints, traffic: Floats, aht: Floats, answer: Floats, log_inv_b: Floats, spare: Floats
) -> Floats:
    """log(1 - SL) = log Pw - (N - a) T / aht."""
    return _log_wait(n, traffic, log_inv_b, spare) - spare * answer / aht


def _figures(
    n: Ints, traffic: Floats, aht: Floats, answer: Floats, log_inv_b: Floats, spare: Floats
) -> QueueFigures:
    log_wait = _log_wait(n, traffic, log_inv_b, spare)
    wait = np.exp(log_wait)
    no_wait = spare * -np.expm1(-log_inv_b) / (spare + traffic * np.exp(-log_inv_b))  # 1 - Pw
    return QueueFigures(
        service_level=no_wait + wait * -np.expm1(-spare * answer / aht),
        asa_seconds=np.exp(log_wait - np.log(spare)) * aht,
        probability_wait=wait,
        occupancy=traffic / n,
        abandon_rate=np.zeros(traffic.shape),
    )

