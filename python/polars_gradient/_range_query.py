"""``range_query``: PromQL's range query, the rate family per series on a grid of times."""

from __future__ import annotations

import datetime as dt
import math
from typing import TypeVar, Union

import polars as pl

from polars_gradient._checks import _is_timedelta, _number, _per_ns

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)
Time = Union[int, float, dt.date, dt.datetime, dt.timedelta]

_GRID = "__polars_gradient_grid"


def range_query(
    frame: Frame,
    *exprs: pl.Expr,
    x: str,
    by: str | list[str] | None = None,
    start: Time,
    end: Time,
    step: float | str | dt.timedelta,
    **named_exprs: pl.Expr,
) -> Frame:
    """Return the expressions evaluated per series at the times ``start, start + step, ..., end``.

    PromQL's range query: ``rate(requests_total[5m])`` from ``start`` to ``end``
    every ``step`` is ``range_query(df, pl.col("requests_total").grad.rate(x="t",
    window="5m"), x="t", by="instance", start=..., end=..., step="1m")``. For each
    series (each value of ``by``) a row with a null value is added at every grid
    time (null values are evaluation points, not samples), the rows are sorted by
    ``by`` and ``x``, each expression is evaluated within each series
    (``.over(by)``: do not add one), and the grid rows are returned.

    Parameters
    ----------
    frame
        The samples: a DataFrame or LazyFrame with ``x``, the ``by`` columns and
        the columns the expressions read.
    *exprs, **named_exprs
        Expressions of this package's windowed functions (or any expression that
        treats null values as evaluation points), as in ``with_columns``.
    x
        The name of the time (or coordinate) column.
    by
        The column(s) that identify a series; ``None``: one series.
    start, end
        The first and last grid time (``end`` included when on the grid), of
        ``x``'s kind: datetimes or dates for a temporal ``x``, numbers for a
        numeric one.
    step
        The grid's step: a duration (``"1m"``, ``timedelta``) for a temporal ``x``,
        a positive number for a numeric one.

    Returns
    -------
    polars.DataFrame or polars.LazyFrame
        Like ``frame``: the ``by`` columns, ``x`` (the grid times) and one column
        per expression, sorted by ``by`` and ``x``: one row per series and grid
        time. A series is one that has at least one row in ``frame``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame(
    ...     {"id": ["a"] * 5, "t": [0, 15, 30, 45, 60], "c": [0.0, 30.0, 60.0, 5.0, 35.0]}
    ... )
    >>> out = pg.range_query(
    ...     df, rate=pl.col("c").grad.rate(x="t", window=40), x="t", by="id",
    ...     start=20, end=60, step=20,
    ... )
    >>> out.rows()
    [('a', 20, 1.0), ('a', 40, 2.0), ('a', 60, 1.1666666666666665)]
    """
    keys: list[str] = [] if by is None else [by] if isinstance(by, str) else list(by)
    if not isinstance(x, str):
        raise TypeError(f"range_query: x must be a column name, got {x!r}")
    lazy = frame.lazy()
    schema = lazy.collect_schema()
    for name in [x, *keys]:
        if name not in schema:
            raise ValueError(f"range_query: the frame has no column {name!r}")
    times = _grid(schema[x], start, end, step)
    grid = pl.LazyFrame({x: times}).with_columns(pl.lit(True).alias(_GRID))
    if keys:
        grid = lazy.select(keys).unique().join(grid, how="cross")
    rows = pl.concat(
        [lazy.with_columns(pl.lit(False).alias(_GRID)), grid], how="diagonal_relaxed"
    ).sort([*keys, x], maintain_order=True)
    named = [*exprs, *(e.alias(n) for n, e in named_exprs.items())]
    if keys:
        named = [e.over(keys) for e in named]
    names: list[str] = [e.meta.output_name() for e in named]
    out = rows.with_columns(named).filter(pl.col(_GRID)).select([*keys, x, *names])
    return out.collect() if isinstance(frame, pl.DataFrame) else out


def _grid(dtype: pl.DataType, start: Time, end: Time, step: object) -> pl.Series:
    """The grid times ``start, start + step, ..., <= end`` as a Series of ``dtype``."""
    step = _number(step)
    if dtype.is_temporal():
        if not (isinstance(step, str) or _is_timedelta(step)):
            raise TypeError(
                f"range_query: x has dtype {dtype}, so step must be a duration "
                f"(for example '1m' or a datetime.timedelta), got {step!r}"
            )
        every = dt.timedelta(microseconds=_per_ns(step, "range_query", "step") / 1000)
        if isinstance(dtype, pl.Datetime) and isinstance(start, dt.date):
            assert isinstance(end, dt.date)
            return pl.datetime_range(
                start,
                end,
                every,
                time_unit=dtype.time_unit,
                time_zone=dtype.time_zone,
                eager=True,
            )
        if isinstance(dtype, pl.Date) and isinstance(start, dt.date):
            assert isinstance(end, dt.date)
            return pl.date_range(start, end, every, eager=True)
        if isinstance(dtype, (pl.Datetime, pl.Date)):
            raise TypeError(
                f"range_query: x has dtype {dtype}, so start and end must be dates or "
                f"datetimes, got {start!r} and {end!r}"
            )
        if isinstance(dtype, pl.Duration):
            n = int((end - start) / every) + 1  # type: ignore[operator]
            return pl.Series([start + k * every for k in range(n)], dtype=dtype)  # type: ignore[operator]
        raise TypeError(
            f"range_query: x has dtype {dtype}; accepted: Date, Datetime, Duration or numbers"
        )
    if not dtype.is_numeric():
        raise TypeError(
            f"range_query: x has dtype {dtype}; accepted: Date, Datetime, Duration or numbers"
        )
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0:
        raise ValueError(
            f"range_query: step must be a positive number for a numeric x, got {step!r}"
        )
    first, last = float(start), float(end)  # type: ignore[arg-type]
    if not (math.isfinite(first) and math.isfinite(last)):
        raise ValueError("range_query: start and end must be finite")
    n = max(math.floor((last - first) / float(step) * (1 + 1e-12)) + 1, 0)
    values = [start + k * step for k in range(n)]  # type: ignore[operator]
    grid: pl.Series = pl.Series(values).cast(dtype)
    return grid
