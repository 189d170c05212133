"""A plain reading of PromQL's rules for float samples, one window at a time (O(n * window)):
the oracle of the hypothesis tests, written from Prometheus' documentation and test data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def _extrapolated(
    samples: list[tuple[float, float]], start: float, end: float, counter: bool
) -> float:
    (t0, v0), (tn, vn) = samples[0], samples[-1]
    result = vn - v0
    if counter:
        for (_, a), (_, b) in zip(samples, samples[1:]):
            if b < a:  # a reset: the counter restarted from zero after a
                result += a
    sampled = tn - t0
    average = sampled / (len(samples) - 1)
    to_start, to_end = t0 - start, end - tn
    if to_start >= 1.1 * average:
        to_start = average / 2
    if counter and result > 0 and v0 >= 0:
        to_start = min(to_start, sampled * (v0 / result))
    if to_end >= 1.1 * average:
        to_end = average / 2
    return result * (sampled + to_start + to_end) / sampled


def _line(samples: list[tuple[float, float]], at: float) -> tuple[float, float]:
    """Least-squares slope and the line's value at ``at``: exact (in rationals), PromQL's
    sums where a value is not finite (IEEE decides)."""
    values = [v for _, v in samples]
    if all(v == values[0] for v in values):
        return (math.nan, math.nan) if math.isinf(values[0]) else (0.0, values[0])
    n = len(samples)
    t0 = samples[0][0]
    xs = [t - t0 for t, _ in samples]
    if not all(math.isfinite(v) for v in values):
        sx, sy = sum(xs), sum(values)
        sxy = sum(x * v for x, v in zip(xs, values))
        sxx = sum(x * x for x in xs)
        slope = (sxy - sx * sy / n) / (sxx - sx * sx / n)
        return slope, sy / n + slope * (at - t0 - sx / n)
    # Exactly, in rationals (floats are rationals), rounded once at the end.
    fx = [Fraction(x) for x in xs]
    fv = [Fraction(v) for v in values]
    mx, my = sum(fx) / n, sum(fv) / n
    var = sum((x - mx) ** 2 for x in fx)
    if var == 0:
        return math.nan, math.nan
    exact = sum((x - mx) * (v - my) for x, v in zip(fx, fv)) / var
    return float(exact), float(my + exact * (Fraction(at) - Fraction(t0) - mx))


def window_value(
    function: str,
    samples: list[tuple[float, float]],
    end: float,
    window: float | None,
    ahead: float = 0.0,
) -> float | None:
    """PromQL's ``function`` of the samples ``(t, v)`` of the window ``(end - window, end]``
    (``window=None``: the whole series, not extrapolated). Times in the result's unit."""
    if len(samples) < (1 if function in ("resets", "changes") else 2):
        return None
    if function in ("rate", "increase", "delta"):
        counter = function != "delta"
        if window is None:
            plain = _extrapolated(samples, samples[0][0], samples[-1][0], counter)
            if function == "rate":
                return plain / (samples[-1][0] - samples[0][0])
            return plain
        value = _extrapolated(samples, end - window, end, counter)
        return value / window if function == "rate" else value
    if function in ("irate", "idelta"):
        (ta, a), (tb, b) = samples[-2], samples[-1]
        if function == "idelta":
            return b - a
        if tb == ta:
            return None
        return (b if b < a else b - a) / (tb - ta)
    if function == "resets":
        return float(sum(b < a for (_, a), (_, b) in zip(samples, samples[1:])))
    if function == "changes":
        return float(
            sum(
                not (a == b or (math.isnan(a) and math.isnan(b)))
                for (_, a), (_, b) in zip(samples, samples[1:])
            )
        )
    slope, at_end = _line(samples, end)
    if function == "deriv":
        return slope
    return at_end + slope * ahead


def series(
    function: str,
    t: Sequence[int],
    v: Sequence[float | None],
    window: int | None,
    ahead: float = 0.0,
    ticks: float = 1.0,
) -> list[float | None]:
    """Every row's value: the window ``(t_i - window, t_i]`` over the rows with a value.
    ``t`` and ``window`` in integer ticks (so the window's edges are exact), ``ticks`` of
    them a unit of the result (1000 for ms and results per second)."""
    points = [(ti, vi) for ti, vi in zip(t, v) if vi is not None]
    out: list[float | None] = []
    for ti in t:
        if window is None:
            out.append(None)
            continue
        inside = [(p / ticks, pv) for p, pv in points if ti - window < p <= ti]
        out.append(window_value(function, inside, ti / ticks, window / ticks, ahead))
    return out


def slope_scales(
    t: Sequence[int], v: Sequence[float | None], window: int, ticks: float = 1.0
) -> list[float]:
    """For each row, the size of a rounding error in a slope over its window: the
    largest finite value in the window over the window's span (at least one tick), times
    a few hundred ulps. A slope computed in floats from any order of sums is this close."""
    points = [(ti, vi) for ti, vi in zip(t, v) if vi is not None and math.isfinite(vi)]
    out = []
    for ti in t:
        inside = [(p, pv) for p, pv in points if ti - window < p <= ti]
        if not inside:
            out.append(0.0)
            continue
        span = max(inside[-1][0] - inside[0][0], 1) / ticks
        out.append(1e-13 * max(abs(pv) for _, pv in inside) / span * len(inside))
    return out
