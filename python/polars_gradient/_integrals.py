"""The trapezoid integrals: ``cumulative_trapezoid`` (per row) and ``trapezoid`` (per series)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from polars_gradient._checks import IntoExpr, IntoKeys
from polars_gradient._plugin import _plugin, _reduction


def cumulative_trapezoid(
    y: IntoExpr,
    x: IntoExpr | None = None,
    *,
    spacing: float | None = None,
    per: str | dt.timedelta | None = None,
    ignore_nulls: bool = False,
    partition_by: IntoKeys | None = None,
) -> pl.Expr:
    r"""Return the running trapezoid integral of ``y``: 0.0 at the first row.

    ``scipy.integrate.cumulative_trapezoid(y, x, initial=0)``, per series or
    group. Also ``pl.col("y").grad.cumulative_trapezoid(...)``.

    Parameters
    ----------
    y
        The values: a column name or an expression (integer, float, decimal, or a
        List/Array of them).
    x
        The coordinates (numeric, Date, Datetime or Duration); ``None`` means
        uniform ``spacing``.
    spacing
        The uniform spacing when ``x`` is ``None`` (finite, non-zero; default 1.0).
    per
        For a temporal ``x``: the time unit the integral is taken in (default one
        second): power in W with ``per="1h"`` gives Wh.
    ignore_nulls
        ``False`` (default): every row from the first null ``y`` or ``x`` on is
        null (within its group). ``True``: null rows are null, and the gap is
        bridged by one trapezoid between the valid rows on either side.
    partition_by
        As in :func:`gradient`: a running integral per group, in one pass.

    Returns
    -------
    polars.Expr
        Float64 (Float32 by the rule of :func:`gradient`); same length and name
        as ``y``.

    Notes
    -----
    .. math::

        F_0 = 0, \qquad F_i = F_{i-1} + (x_i - x_{i-1}) \frac{y_{i-1} + y_i}{2}

    exact for ``y`` linear in ``x``. Integer and temporal steps are taken exactly
    before the conversion to float.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"x": [0.0, 1.0, 3.0, 4.0], "v": [1.0, 3.0, 7.0, 9.0]})  # 2x + 1
    >>> df.select(pg.cumulative_trapezoid("v", x="x"))["v"].to_list()
    [0.0, 2.0, 12.0, 20.0]
    """
    return _plugin("cumulative_trapezoid", y, x, spacing, per, ignore_nulls, partition_by, {})


def trapezoid(
    y: IntoExpr,
    x: IntoExpr | None = None,
    *,
    spacing: float | None = None,
    per: str | dt.timedelta | None = None,
    ignore_nulls: bool = False,
) -> pl.Expr:
    r"""Return the trapezoid integral of ``y``: one value per series or group.

    ``scipy.integrate.trapezoid(y, x)``. In ``select`` one value; in
    ``group_by(...).agg(...)`` one per group (one plugin call for every group: at
    Polars' own speed); in ``.over(...)`` each group's value on each of its rows.
    A List or Array ``y``: the List of each row's integral (numpy's ``axis=-1``),
    ``.explode()`` for one value per row. Also ``pl.col("y").grad.trapezoid(...)``.

    Parameters
    ----------
    y
        The values: a column name or an expression (integer, float or decimal, or
        a List/Array of them).
    x, spacing, per
        As in :func:`cumulative_trapezoid`.
    ignore_nulls
        ``False`` (default): a null ``y`` or ``x`` makes the result null.
        ``True``: null rows are left out and the gap bridged by one trapezoid.

    Returns
    -------
    polars.Expr
        One Float64 (Float32 by the rule of :func:`gradient`), named like ``y``.
        Fewer than two points give 0.0, as in scipy.

    Notes
    -----
    :math:`\sum_{i \ge 1} (x_i - x_{i-1}) (y_{i-1} + y_i) / 2`, the last row of
    :func:`cumulative_trapezoid` (summed in row order, where numpy sums
    pairwise: the two differ by rounding only).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"meter": ["a", "a", "a", "b", "b"], "t": [0, 1, 2, 0, 2],
    ...                    "watts": [10.0, 20.0, 30.0, 5.0, 5.0]})
    >>> df.group_by("meter", maintain_order=True).agg(pg.trapezoid("watts", x="t"))
    shape: (2, 2)
    ┌───────┬───────┐
    │ meter ┆ watts │
    │ ---   ┆ ---   │
    │ str   ┆ f64   │
    ╞═══════╪═══════╡
    │ a     ┆ 40.0  │
    │ b     ┆ 10.0  │
    └───────┴───────┘
    """
    return _reduction("trapezoid", y, x, spacing, per, ignore_nulls, {})
