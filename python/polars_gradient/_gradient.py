"""numpy's and findiff's ground: ``gradient``, ``derivative`` and ``gradient_horizontal``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from polars_gradient._checks import (
    IntoExpr,
    IntoKeys,
    _check_edge_order,
    _check_order_accuracy,
    _check_spacing,
    _to_expr,
)
from polars_gradient._plugin import _plugin, _register


def gradient(
    y: IntoExpr,
    x: IntoExpr | None = None,
    *,
    spacing: float | None = None,
    edge_order: int = 1,
    per: str | dt.timedelta | None = None,
    ignore_nulls: bool = False,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return the gradient of ``y``, exactly as ``numpy.gradient`` computes it.

    The gradient is computed using second order accurate central differences
    in the interior points and either first or second order accurate
    one-sided (forward or backward) differences at the boundaries. The result
    has the same length and name as ``y``.

    The same function is available as the expression method
    ``pl.col("y").grad.gradient(...)``.

    Parameters
    ----------
    y
        The values: a column name or an expression. Integer, float or decimal.
    x
        The coordinate of each value: a column name or an expression of the
        same length as ``y``; integer, float, decimal, Date, Datetime (any
        unit, any time zone) or Duration. It need not be monotonic or evenly
        spaced. ``None`` means uniform spacing.
    spacing
        The uniform spacing between values when ``x`` is ``None``: a finite,
        non-zero number. Default 1.0. Giving both ``x`` and ``spacing`` is an
        error.
    edge_order
        1 or 2: the boundaries are computed with ``edge_order``-th order
        accurate differences, as in numpy.
    per
        Only for a temporal ``x``: the time unit of the result's denominator,
        a fixed-length Polars duration string (``"1ns"``, ``"250ms"``,
        ``"1s"``, ``"15m"``, ``"1h"``, ``"1d"``, ``"1w"``, or a combination
        such as ``"1h30m"``) or a ``datetime.timedelta``. Default: one
        second. Calendar units (``"1mo"``, ``"1q"``, ``"1y"``) are an error.
    ignore_nulls
        ``False`` (default): an output is null where its stencil reads a null
        ``y`` or ``x``. ``True``: rows with a null ``y`` or ``x`` are left out,
        the gradient is computed over the remaining points at their true
        coordinates (without ``x``: row position times ``spacing``, so a gap
        is a longer step), and those rows are null.
    partition_by
        Column name(s) or expression(s): ``y`` and ``x`` are evaluated over the
        whole frame, then the gradient is computed within each group of equal
        keys, in row order within the group; the rows of a group need not be
        contiguous, and null keys form a group of their own. One pass that finds
        the groups once. Equals ``.over(partition_by)`` when ``y`` and ``x`` are
        columns, literals or row-wise expressions of them; ``.over`` evaluates
        them within each group (``cum_sum`` restarts), and takes this one pass
        by itself only where the values are provably the same.

    Returns
    -------
    polars.Expr
        Float64, or Float32 when ``y`` is Float32 and ``x`` is absent or
        Float32. Integer and decimal values are computed in Float64.

    Raises
    ------
    TypeError, ValueError
        When the expression is built, for a bad ``edge_order`` or ``spacing``,
        or both ``x`` and ``spacing``.
    polars.exceptions.PolarsError
        When it runs, for a ``y`` or ``x`` column of an unsupported dtype or
        ``x`` of a different length; the message names the column, its dtype
        and what is accepted.

    Notes
    -----
    With :math:`h_- = x_i - x_{i-1}` and :math:`h_+ = x_{i+1} - x_i`, the
    interior points are

    .. math::

        \hat f'_i = \frac{h_-^2 f_{i+1} + (h_+^2 - h_-^2) f_i - h_+^2 f_{i-1}}
        {h_- h_+ (h_- + h_+)}

    which, for uniform spacing :math:`h`, is :math:`(f_{i+1} - f_{i-1}) / 2h`.
    With ``edge_order=1`` the ends are the first differences
    :math:`(f_1 - f_0) / h_0` and :math:`(f_{n-1} - f_{n-2}) / h_{n-2}`; with
    ``edge_order=2`` they are the three-point one-sided formulas, exact for
    quadratics (for uniform :math:`h`: :math:`(-3 f_0 + 4 f_1 - f_2) / 2h`).

    Integer and temporal coordinates are differenced exactly (in 128-bit
    integers, in the column's own unit) before the conversion to float, so
    large epochs lose no precision. A time-zone aware ``x`` measures physical
    elapsed time (across a DST change too).

    Nulls: an output is null where the rows its formula reads (``i-1``, ``i``,
    ``i+1`` inside; the first or last ``edge_order + 1`` rows at the ends)
    include a null ``y`` or ``x``. A series or group with fewer than
    ``edge_order + 1`` values gives nulls. NaN and infinity propagate as in
    IEEE arithmetic, like numpy; duplicate coordinates give inf or NaN.

    In ``.over(...)`` and ``group_by(...).agg(...)`` each group is its own
    series, in row order, with Polars' own semantics: ``y`` and ``x`` are
    evaluated within each group. In ``agg`` Polars calls the plugin once per
    group (no plugin option lets one call see every group), slow with many small
    groups (the benchmarks page of the documentation, W7). The same lists in one
    pass, about 40 times faster:
    ``df.group_by("id").agg("y", "t").with_columns(pl.col("y").grad.gradient(x="t"))``
    (the gradient of each List row), or ``partition_by="id"`` in
    ``with_columns`` first and ``group_by("id").agg("y")`` after.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"y": [1, 2, 4, 7, 11, 16], "x": [2, 1, 5, 10, 11, 15]})
    >>> df.select(pg.gradient("y"), pg.gradient("y", edge_order=2).alias("y2"))
    shape: (6, 2)
    ┌─────┬─────┐
    │ y   ┆ y2  │
    │ --- ┆ --- │
    │ f64 ┆ f64 │
    ╞═════╪═════╡
    │ 1.0 ┆ 0.5 │
    │ 1.5 ┆ 1.5 │
    │ 2.5 ┆ 2.5 │
    │ 3.5 ┆ 3.5 │
    │ 4.5 ┆ 4.5 │
    │ 5.0 ┆ 5.5 │
    └─────┴─────┘
    >>> df.select(pl.col("y").grad.gradient(spacing=2)).to_series().to_list()
    [0.5, 0.75, 1.25, 1.75, 2.25, 2.5]
    >>> df.select(pl.col("y").grad.gradient(x="x").round(4)).to_series().to_list()
    [-1.0, -1.5, 0.5444, 3.4333, 3.45, 1.25]

    Per group, in row order within each group:

    >>> df = pl.DataFrame({"id": ["a", "b", "a", "b", "a"], "y": [0, 10, 1, 30, 4]})
    >>> df.with_columns(dy=pl.col("y").grad.gradient().over("id"))
    shape: (5, 3)
    ┌─────┬─────┬──────┐
    │ id  ┆ y   ┆ dy   │
    │ --- ┆ --- ┆ ---  │
    │ str ┆ i64 ┆ f64  │
    ╞═════╪═════╪══════╡
    │ a   ┆ 0   ┆ 1.0  │
    │ b   ┆ 10  ┆ 20.0 │
    │ a   ┆ 1   ┆ 2.0  │
    │ b   ┆ 30  ┆ 20.0 │
    │ a   ┆ 4   ┆ 3.0  │
    └─────┴─────┴──────┘
    """
    edge = _check_edge_order(edge_order, "gradient")
    return _plugin("gradient", y, x, spacing, per, ignore_nulls, partition_by, {"edge_order": edge})


def derivative(
    y: IntoExpr,
    x: IntoExpr | None = None,
    *,
    order: int = 1,
    accuracy: int = 2,
    spacing: float | None = None,
    per: str | dt.timedelta | None = None,
    ignore_nulls: bool = False,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return the finite-difference derivative of ``y`` of any order and accuracy.

    Like :func:`gradient`, but of any order ``>= 1`` and any even accuracy order
    ``2, 4, 6, ...``, on uniform and non-uniform (also temporal) coordinates, with
    weights from Fornberg's algorithm. ``derivative(order=1, accuracy=2)`` equals
    ``gradient(edge_order=2)``. Also ``pl.col("y").grad.derivative(...)``.

    Parameters
    ----------
    y
        The values: a column name or an expression (integer, float, decimal, or a
        List/Array of them).
    x
        The coordinates, as in :func:`gradient` (numeric or temporal); ``None``
        means uniform ``spacing``.
    order
        The derivative's order, an integer ``>= 1``.
    accuracy
        The order of accuracy, an even integer ``>= 2``: the error falls like
        ``h**accuracy`` as the spacing ``h`` shrinks.
    spacing, per, ignore_nulls, partition_by
        As in :func:`gradient`. With ``per``, the result is per ``per**order``
        (for example per second squared for ``order=2``).

    Returns
    -------
    polars.Expr
        Float64, or Float32 when ``y`` is Float32 and ``x`` is absent or Float32;
        same length and name as ``y``. A series or group with fewer than
        ``order + accuracy`` usable points gives nulls.

    Notes
    -----
    Row :math:`i` is :math:`\sum_j w_j y_j` over a window of rows, with weights
    :math:`w_j` exact for polynomials of degree ``< order + accuracy`` (Fornberg,
    1988). Interior rows use the centred window: on a uniform grid (no ``x``)
    ``order + accuracy`` points for odd orders and ``order + accuracy - 1`` for
    even orders (symmetry gains an order); with ``x``, ``order + accuracy`` points
    for odd orders and ``order + accuracy + 1`` for even orders. Where the centred
    window does not fit, the ``order + accuracy`` points nearest the edge.
    Without ``ignore_nulls``, an output is null where its window holds a null.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"t": [0.5, 1.0, 1.5, 2.5, 3.0, 4.5]})
    >>> df = df.with_columns(pos=pl.col("t") ** 3)  # acceleration 6 t
    >>> df.select(pg.derivative("pos", x="t", order=2).round(10))["pos"].to_list()
    [3.0, 6.0, 9.0, 15.0, 18.0, 27.0]
    >>> even = pl.DataFrame({"pos": [(0.5 * k) ** 3 for k in range(8)]})  # spacing 0.5
    >>> even.select(pl.col("pos").grad.derivative(order=3, spacing=0.5).round(10))["pos"].to_list()
    [6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0]
    """
    order, accuracy = _check_order_accuracy(order, accuracy)
    method = {"order": order, "accuracy": accuracy}
    return _plugin("derivative", y, x, spacing, per, ignore_nulls, partition_by, method)


def gradient_horizontal(
    *exprs: IntoExpr | Iterable[IntoExpr],
    spacing: float | None = None,
    edge_order: int = 1,
) -> pl.Expr:
    """Return the gradient across columns within each row: numpy's ``axis=1``.

    Each row's values, taken from ``exprs`` in order, are one series, spaced
    ``spacing`` apart; the result is a Struct with one field per input, named
    after it (the Struct itself is named after the first input, as Polars'
    ``*_horizontal`` functions are). ``pl.all().grad.gradient()`` is the
    other direction, numpy's ``axis=0``.

    Parameters
    ----------
    *exprs
        Column names or expressions (``pl.all()`` and selectors expand), each
        integer, float or decimal, or iterables of them; at least one.
    spacing
        The uniform spacing between consecutive columns (finite, non-zero;
        default 1.0).
    edge_order
        1 or 2, as in :func:`gradient`.

    Returns
    -------
    polars.Expr
        A Struct of Float64 fields, or Float32 when every input is Float32.
        With fewer than ``edge_order + 1`` inputs every field is null; a null
        input nulls the outputs whose stencils read it, as in :func:`gradient`.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"a": [10, 40], "b": [20, 50], "c": [30, 60]})
    >>> df.select(pg.gradient_horizontal(pl.all()).alias("g")).unnest("g")
    shape: (2, 3)
    ┌──────┬──────┬──────┐
    │ a    ┆ b    ┆ c    │
    │ ---  ┆ ---  ┆ ---  │
    │ f64  ┆ f64  ┆ f64  │
    ╞══════╪══════╪══════╡
    │ 10.0 ┆ 10.0 ┆ 10.0 │
    │ 10.0 ┆ 10.0 ┆ 10.0 │
    └──────┴──────┴──────┘
    """
    edge = _check_edge_order(edge_order, "gradient_horizontal")
    step = 1.0 if spacing is None else _check_spacing(spacing, "gradient_horizontal")
    args: list[pl.Expr] = []
    for e in exprs:
        if isinstance(e, (str, pl.Expr)):
            args.append(_to_expr(e, "gradient_horizontal: each input"))
        elif isinstance(e, Iterable):
            args.extend(_to_expr(v, "gradient_horizontal: each input") for v in e)
        else:
            args.append(_to_expr(e, "gradient_horizontal: each input"))
    if not args:
        raise ValueError("gradient_horizontal: give at least one column")
    return _register(
        "gradient_horizontal",
        args,
        {"called": {"function": "gradient_horizontal", "edge_order": edge}, "spacing": step},
        is_elementwise=True,
        input_wildcard_expansion=True,
    )
