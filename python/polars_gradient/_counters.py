"""Prometheus' rate family: over trailing windows, and over whole series (imploded groups)."""

from __future__ import annotations

import datetime as dt
import inspect
import math
import numbers
from typing import Any, Union

import polars as pl

from polars_gradient._checks import (
    IntoExpr,
    IntoKeys,
    _is_timedelta,
    _number,
    _per_ns,
    _timedelta_ns,
    _to_expr,
    _to_keys,
)
from polars_gradient._functions import _as_float
from polars_gradient._plugin import _plugin, _reduction

Width = Union[float, str, dt.timedelta]


def _width(value: object, name: str, what: str, signed: bool = False) -> dict[str, Any]:
    """A window (or ``ahead``) as the plugin's kwargs: ``{what}_width`` (a number, in
    ``x``'s units) or ``{what}_ns`` (a duration, for a temporal ``x``)."""
    value = _number(value)
    if isinstance(value, dt.timedelta) and signed:
        return {f"{what}_ns": _timedelta_ns(value)}
    if isinstance(value, str) or _is_timedelta(value):
        if signed and isinstance(value, str) and value.strip().startswith("-"):
            return {f"{what}_ns": -_per_ns(value.strip()[1:], name, what)}
        return {f"{what}_ns": _per_ns(value, name, what)}
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}: {what} must be a number (in x's units) or a duration string / "
            f"datetime.timedelta (for a temporal x), got {value!r} of type {type(value).__name__}"
        )
    width = float(value)
    if not math.isfinite(width) or (not signed and width <= 0):
        kind = "a finite number" if signed else "a finite positive number"
        raise ValueError(f"{name}: {what} must be {kind}, got {value!r}")
    return {f"{what}_width": width}


# Polars 2 can skip nulls in first() and last() (group-aware and fast).
_SKIPS_NULLS = "ignore_nulls" in inspect.signature(pl.Expr.first).parameters


def _delta(y: IntoExpr, x: IntoExpr) -> pl.Expr:
    """``delta`` of the whole series: its last sample less its first, built from Polars'
    own ``first``/``last``, which inside ``group_by().agg()`` are cheaper still than the
    one plugin call of the other reductions (the same numbers: one subtraction in
    Float64). Only the two values go through ``as_float`` (its dtype check)."""
    y_expr, x_expr = _to_expr(y, "delta: y"), _to_expr(x, "delta: x")
    samples = pl.when(x_expr.is_not_null()).then(y_expr)
    if _SKIPS_NULLS:
        skip: dict[str, Any] = {"ignore_nulls": True}  # a keyword Polars 1.x does not know
        first, last = samples.first(**skip), samples.last(**skip)
    else:
        first, last = samples.drop_nulls().first(), samples.drop_nulls().last()
    value = _as_float(last, "delta: y") - _as_float(first, "delta: y")
    return pl.when(samples.count() >= 2).then(value)


def _counter(
    name: str,
    y: IntoExpr,
    x: IntoExpr,
    window: Width | None,
    per: str | dt.timedelta | None,
    partition_by: IntoKeys | None,
    ahead: Width | None = None,
) -> pl.Expr:
    """A function of the family: over a trailing window (the plugin's ``differentiate``), or
    with ``window=None`` over the whole series or group (``reduce`` over the imploded
    series; ``delta`` from Polars' ``first``/``last``)."""
    if x is None:
        raise TypeError(f"{name}: x is required (the samples' times or coordinates)")
    method: dict[str, Any] = {"function": "counter", "kind": name}
    if ahead is not None:
        method.update(_width(ahead, name, "ahead", signed=True))
    if window is not None:
        method.update(_width(window, name, "window"))
        return _plugin(name, y, x, None, per, False, partition_by, method)
    if name == "delta" and per is None:
        whole = _delta(y, x)
    else:
        whole = _reduction(name, y, x, None, per, False, method)
    if partition_by is not None:
        return whole.over(_to_keys(partition_by, name))
    return whole


def rate(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``rate()``: the per-second increase of a counter over a trailing window.

    Row ``i`` is the increase of the counter over its window (see :func:`increase`)
    divided by the window's length: per second for a temporal ``x`` (or per
    ``per``), per unit of ``x`` for a numeric one. ``window=None``: the increase
    over the whole series divided by the time from its first to its last sample.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        Float64: with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than two samples.

    Notes
    -----
    With :math:`\Delta` the window's increase extrapolated as in :func:`increase`
    and :math:`w` the window, :math:`\text{rate}_i = \Delta / w`.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]})
    >>> df.select(pg.rate("c", "t", window=60).round(4))["c"].to_list()
    [None, 0.5, 1.0, 1.0833, 1.4444]
    >>> df.select(pg.rate("c", "t"))["c"].to_list()  # window=None: (35 + 60) / 60
    [1.5833333333333333]
    """
    return _counter("rate", y, x, window, per, partition_by)


def increase(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``increase()``: a counter's growth over a trailing window, resets included.

    A sample lower than the one before it is a counter reset: the counter
    restarted from zero, so the value before it counts as already gained. The
    change from the window's first to its last sample (plus those values) is
    extrapolated to the window's edges as PromQL does. ``window=None``: the
    increase from the series' first sample to its last, resets included, not
    extrapolated.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        Float64: with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than two samples.

    Notes
    -----
    With samples :math:`(t_1, v_1) \dots (t_n, v_n)` in row ``i``'s window
    :math:`(x_i - w, x_i]`: :math:`\Delta = v_n - v_1 + \sum_{v_k < v_{k-1}} v_{k-1}`.
    With :math:`s = t_n - t_1` and :math:`a = s / (n - 1)`, the gaps to the edges
    are :math:`d_1 = t_1 - (x_i - w)` and :math:`d_2 = x_i - t_n`, each replaced by
    :math:`a / 2` when at least :math:`1.1 a`; for a counter with
    :math:`\Delta > 0` and :math:`v_1 \ge 0`, :math:`d_1` is at most
    :math:`s v_1 / \Delta` (no extrapolation below zero). The result is
    :math:`\Delta (s + d_1 + d_2) / s`.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]})
    >>> df.select(pg.increase("c", "t", window=60).round(4))["c"].to_list()
    [None, 30.0, 60.0, 65.0, 86.6667]
    >>> df.select(pg.increase("c", "t"))["c"].to_list()  # 35 - 0 + 60 before the reset
    [95.0]
    """
    return _counter("increase", y, x, window, per, partition_by)


def delta(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``delta()``: the change of a gauge over a trailing window.

    The last sample minus the first, extrapolated to the window's edges as
    :func:`increase` does, but with no reset handling and no zero cut-off.
    ``window=None``: the last sample minus the first.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        Float64: with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than two samples.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]})
    >>> df.select(pg.delta("c", "t", window=60).round(4))["c"].to_list()
    [None, 45.0, 75.0, 6.6667, 6.6667]
    """
    return _counter("delta", y, x, window, per, partition_by)


def irate(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``irate()``: the per-second rate from a trailing window's last two samples.

    The difference of the window's last two samples over their time apart; a
    drop is a reset, and then the last value is the increase. ``window=None``:
    the series' last two samples.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        Float64: with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than two samples.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]})
    >>> df.select(pg.irate("c", "t", window=60).round(4))["c"].to_list()
    [None, 2.0, 2.0, 0.3333, 2.0]
    """
    return _counter("irate", y, x, window, per, partition_by)


def idelta(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``idelta()``: the difference of the last two samples of a trailing window.

    No reset handling (a gauge). ``window=None``: the series' last two samples.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        Float64: with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than two samples.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]})
    >>> df.select(pg.idelta("c", "t", window=60))["c"].to_list()
    [None, 30.0, 30.0, -55.0, 30.0]
    """
    return _counter("idelta", y, x, window, per, partition_by)


def deriv(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``deriv()``: the least-squares slope of a gauge over a trailing window.

    The slope of the least-squares line through the window's samples, per
    second for a temporal ``x`` (or per ``per``), per unit of a numeric ``x``;
    0 when all values are equal (NaN when they are all infinite).
    ``window=None``: over the whole series.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        Float64: with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than two samples.

    Notes
    -----
    The sums are taken from a sample inside the window and updated as it
    slides (rebuilt once every sample of the last build has left it), so a
    window of any length costs O(1) a row and large timestamps or values lose
    nothing to cancellation.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> g = pl.DataFrame({"t": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 3.0, 5.0, 7.5]})
    >>> g.select(pg.deriv("y", "t", window=3).round(4))["y"].to_list()
    [None, 2.0, 2.0, 2.25]
    """
    return _counter("deriv", y, x, window, per, partition_by)


def predict_linear(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    ahead: Width,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``predict_linear()``: a window's least-squares line, ``ahead`` of the row.

    The value at ``x_i + ahead`` of the least-squares line through the window's
    samples (as :func:`deriv`). ``window=None``: the line through the whole
    series, evaluated ``ahead`` after its last row's ``x``.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    ahead
        How far after the evaluation point to predict: a duration for a
        temporal ``x`` (``"4h"``; a ``timedelta`` may be negative), a number in
        ``x``'s units for a numeric one.
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        Float64: with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than two samples.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> g = pl.DataFrame({"t": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 3.0, 5.0, 7.0]})
    >>> g.select(pg.predict_linear("y", "t", window=3, ahead=2))["y"].to_list()
    [None, 7.0, 9.0, 11.0]
    """
    return _counter("predict_linear", y, x, window, per, partition_by, ahead)


def resets(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``resets()``: how many times a counter dropped within a trailing window.

    A drop (a sample lower than the one before it; never a NaN) is a reset.
    ``window=None``: over the whole series.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        UInt32 (a count): with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than one sample.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]})
    >>> df.select(pg.resets("c", "t", window=60))["c"].to_list()
    [0, 0, 0, 1, 1]
    """
    return _counter("resets", y, x, window, per, partition_by)


def changes(
    y: IntoExpr,
    x: IntoExpr,
    *,
    window: Width | None = None,
    per: str | dt.timedelta | None = None,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return PromQL's ``changes()``: how many times the value changed within a trailing window.

    A sample not equal to the one before it is a change (NaN after NaN is
    not). ``window=None``: over the whole series.

    Parameters
    ----------
    y
        The samples' values: a column name or an expression (integer, float or
        decimal; or a List/Array of them, each row a series, with a ``window``).
        A row with a null value is an evaluation point, not a sample.
    x
        The samples' times: a Date, Datetime or Duration column (any unit), or
        numbers; ascending within each series (checked with a ``window``).
    window
        The trailing window ``(x_i - window, x_i]`` of row ``i``: a duration
        string or ``datetime.timedelta`` for a temporal ``x`` (``"5m"``), a
        positive number for a numeric one. ``None``: the whole series (or group)
        is the window and the result is one value, without extrapolation
        (built from Polars' own expressions: fast in ``group_by().agg()``).
    per
        For a temporal ``x``: the unit of the result's denominator (default one
        second), a fixed-length duration as in :func:`gradient`.
    partition_by
        Column name(s) or expression(s): one series per group of equal keys, in
        one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

    Returns
    -------
    polars.Expr
        UInt32 (a count): with a ``window``, one value per row (same length and name as
        ``y``); with ``window=None``, one value. Null where the window holds
        fewer than one sample.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]})
    >>> df.select(pg.changes("c", "t", window=60))["c"].to_list()
    [0, 1, 2, 3, 3]
    """
    return _counter("changes", y, x, window, per, partition_by)


def unwrap_counter(y: IntoExpr, *, partition_by: IntoKeys | None = None) -> pl.Expr:
    """Return the counter with its resets undone: after a drop, it goes on from the value before.

    Each reset (a value lower than the one before it, as in :func:`increase`)
    adds the value before it to every later row, so that the result only grows
    and methods for smooth data (:func:`gradient`, :func:`savgol`,
    :func:`derivative`) apply to counters too. Rows in time order.

    Parameters
    ----------
    y
        The counter: a column name or an expression (integer, float or decimal).
        Null rows stay null and are skipped (the next value is compared with
        the last valid one); a NaN is never a reset.
    partition_by
        Column name(s) or expression(s): undo resets within each group
        (``.over(partition_by)``).

    Returns
    -------
    polars.Expr
        Float64, same length and name as ``y``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"c": [0.0, 30.0, 60.0, 5.0, 35.0, None, 2.0]})
    >>> df.select(pg.unwrap_counter("c"))["c"].to_list()
    [0.0, 30.0, 60.0, 65.0, 95.0, None, 97.0]
    """
    y_expr = _to_expr(y, "unwrap_counter: y").cast(pl.Float64)
    prev = y_expr.forward_fill().shift(1)
    reset = (y_expr < prev) & prev.is_not_nan()
    out = y_expr + pl.when(reset).then(prev).otherwise(0.0).cum_sum()
    if partition_by is not None:
        return out.over(_to_keys(partition_by, "unwrap_counter"))
    return out
