"""The Savitzky–Golay derivative, ``savgol``: its window checks and its plugin call."""

from __future__ import annotations

import datetime as dt
import math
import numbers
from typing import Any, Union

import polars as pl

from polars_gradient._checks import IntoExpr, IntoKeys, _check_int, _is_timedelta, _number, _per_ns
from polars_gradient._plugin import _plugin

Window = Union[int, float, str, dt.timedelta]


def _savgol_method(window: object, polyorder: object, order: object, has_x: bool) -> dict[str, Any]:
    """The checked window, polyorder and order of ``savgol`` as the plugin's kwargs."""
    poly = _check_int(polyorder, "savgol: polyorder")
    if poly < 0:
        raise ValueError(f"savgol: polyorder must be at least 0, got {polyorder!r}")
    deriv = _check_int(order, "savgol: order")
    if deriv < 0:
        raise ValueError(f"savgol: order must be at least 0, got {order!r}")
    if deriv > poly:
        raise ValueError(
            "savgol: order must be at most polyorder, "
            f"got order {order!r} and polyorder {polyorder!r}"
        )
    method: dict[str, Any] = {"polyorder": poly, "order": deriv}
    # numpy numbers as Python ones; bool is an Integral: refused here, with everything
    # that is not a window. A timedelta (numpy's too) is a duration, not a count.
    window = _number(window)
    duration = isinstance(window, str) or _is_timedelta(window)
    if not duration and (isinstance(window, bool) or not isinstance(window, numbers.Real)):
        raise TypeError(
            "savgol: window must be an odd integer (rows), a number (a width in x's units) or a "
            f"duration string / datetime.timedelta (for a temporal x), got {window!r} of type "
            f"{type(window).__name__}"
        )
    if not duration and isinstance(window, numbers.Integral):
        count = int(window)
        if count < 1 or count % 2 == 0:
            raise ValueError(
                f"savgol: a window of rows must be an odd positive integer, got {window!r}"
            )
        if poly >= count:
            raise ValueError(
                f"savgol: polyorder must be less than window, got polyorder {polyorder!r} and "
                f"window {window!r}"
            )
        return {**method, "window_count": count}
    if not has_x:
        raise ValueError(
            f"savgol: a window width ({window!r}) needs x; without x give window as an odd "
            "number of rows"
        )
    if not duration and isinstance(window, numbers.Real):
        width = float(window)
        if not math.isfinite(width) or width <= 0:
            raise ValueError(
                f"savgol: a window width must be a finite positive number, got {window!r}"
            )
        return {**method, "window_width": width}
    return {**method, "window_ns": _per_ns(window, "savgol", "window")}


def savgol(
    y: IntoExpr,
    x: IntoExpr | None = None,
    *,
    window: Window,
    polyorder: int = 2,
    order: int = 1,
    spacing: float | None = None,
    per: str | dt.timedelta | None = None,
    ignore_nulls: bool = False,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return the Savitzky–Golay derivative of ``y``: a smoothed derivative of noisy data.

    Row ``i`` is the ``order``-th derivative, at row ``i``'s coordinate, of the
    polynomial of degree ``polyorder`` fitted by least squares to the points of
    row ``i``'s window (``order=0``: the smoothed value). Also
    ``pl.col("y").grad.savgol(...)``.

    Parameters
    ----------
    y
        The values: a column name or an expression (integer, float, decimal, or a
        List/Array of them).
    x
        The coordinates (numeric, Date, Datetime or Duration), as in
        :func:`gradient`; ``None`` means uniform ``spacing``.
    window
        An odd integer: that many consecutive points, centred on the row; where a
        centred window does not fit, the ``window`` points nearest the edge
        (scipy's ``mode="interp"``). Or a width, only with ``x``: a number in
        ``x``'s units, or a duration string / ``datetime.timedelta`` for a temporal
        ``x`` (``"10m"``): the window of row ``i`` is the consecutive rows around
        it whose coordinate is within half the width of ``x[i]`` (for an
        ascending ``x``, every point within half the width).
    polyorder
        The degree of the fitted polynomial, ``>= 0`` and less than a window of
        rows.
    order
        The derivative's order, ``0 <= order <= polyorder``.
    spacing, per, ignore_nulls, partition_by
        As in :func:`gradient`. With ``per``, the result is per ``per**order``.

    Returns
    -------
    polars.Expr
        Float64, or Float32 when ``y`` is Float32 and ``x`` is absent or Float32;
        same length and name as ``y``. A series or group with fewer points than
        a window of rows gives nulls; with a width, a row whose window has fewer
        than ``polyorder + 1`` points is null.

    Notes
    -----
    Row :math:`i` with window rows :math:`J` fits
    :math:`p(t) = \sum_{k=0}^{d} a_k t^k` minimising
    :math:`\sum_{j \in J} (p(t_j) - y_j)^2` with :math:`t_j = (x_j - x_i) / s`,
    :math:`s = \max_j |x_j - x_i|` (each window centred on its row and scaled to
    :math:`[-1, 1]`, so large coordinates such as nanosecond epochs lose
    nothing), and gives :math:`p^{(m)}(0) = m!\, a_m / s^m` for ``order`` :math:`m`.
    The fit is a Householder QR of the Vandermonde matrix. Without ``x`` the
    coordinates are the row positions times ``spacing``; then the result equals
    ``scipy.signal.savgol_filter(y, window, polyorder, deriv=order,
    delta=spacing, mode="interp")``.

    Nulls: without ``ignore_nulls`` an output is null where its window holds a
    null ``y`` or ``x`` (for a width window, also where a null row is next to
    the window, since its coordinate is unknown). With ``ignore_nulls`` null rows
    are left out and windows are formed over the remaining points.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0.0, 0.4, 1.1, 1.5, 2.3, 3.0, 3.2]})
    >>> df = df.with_columns(y=pl.col("t") ** 2)  # exact for polyorder >= 2
    >>> df.select(pg.savgol("y", x="t", window=5).round(10))["y"].to_list()
    [0.0, 0.8, 2.2, 3.0, 4.6, 6.0, 6.4]
    >>> noisy = pl.DataFrame({"y": [0.0, 1.2, 1.9, 3.1, 4.0, 4.8, 6.1]})
    >>> noisy.select(pl.col("y").grad.savgol(window=5, polyorder=1).round(4))["y"].to_list()
    [0.99, 0.99, 0.99, 0.93, 1.01, 1.01, 1.01]
    """
    method = _savgol_method(window, polyorder, order, x is not None)
    return _plugin("savgol", y, x, spacing, per, ignore_nulls, partition_by, method)
