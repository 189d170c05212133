"""The ``grad`` expression namespace, registered on ``import polars_gradient``."""

from __future__ import annotations

import datetime as dt

import polars as pl

from polars_gradient import _counters
from polars_gradient._checks import IntoExpr, IntoKeys
from polars_gradient._counters import Width
from polars_gradient._gradient import derivative as _derivative
from polars_gradient._gradient import gradient as _gradient
from polars_gradient._integrals import cumulative_trapezoid as _cumulative_trapezoid
from polars_gradient._integrals import trapezoid as _trapezoid
from polars_gradient._smooth import Window
from polars_gradient._smooth import savgol as _savgol


@pl.api.register_expr_namespace("grad")
class GradientNamespace:
    """Numerical derivatives of an expression: ``pl.col("y").grad.gradient(...)``."""

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    def gradient(
        self,
        x: IntoExpr | None = None,
        *,
        spacing: float | None = None,
        edge_order: int = 1,
        per: str | dt.timedelta | None = None,
        ignore_nulls: bool = False,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return the gradient of this expression, exactly as ``numpy.gradient``.

        ``pl.col("y").grad.gradient(...)`` is ``polars_gradient.gradient("y", ...)``;
        see :func:`polars_gradient.gradient` for the formulas, nulls and dtypes.

        Parameters
        ----------
        x
            Coordinate column name or expression (integer, float, decimal,
            Date, Datetime or Duration), same length as this expression.
            ``None``: uniform spacing.
        spacing
            Uniform spacing when ``x`` is ``None`` (finite, non-zero; default 1.0).
        edge_order
            1 or 2: accuracy order of the one-sided differences at the ends.
        per
            For a temporal ``x``: the result's time unit, a fixed-length
            duration string (``"1s"``, ``"1h"``, ...) or ``datetime.timedelta``;
            default one second.
        ignore_nulls
            Leave rows with a null value or coordinate out (and null) instead
            of nulling every output whose stencil reads them.
        partition_by
            Column name(s) or expression(s): ``y`` and ``x`` evaluated over the
            whole frame, then the gradient within each group, in row order, in
            one pass; equals ``.over(partition_by)`` for row-wise ``y`` and ``x``.

        Returns
        -------
        polars.Expr
            Float64, or Float32 when this expression is Float32 and ``x`` is
            absent or Float32; same length and name as this expression.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_gradient  # noqa: F401
        >>> df = pl.DataFrame({"t": [0.0, 1.0, 3.0], "y": [0.0, 1.0, 9.0]})
        >>> df.select(pl.col("y").grad.gradient(x="t", edge_order=2)).to_series().to_list()
        [0.0, 2.0, 6.0]
        """
        return _gradient(
            self._expr,
            x,
            spacing=spacing,
            edge_order=edge_order,
            per=per,
            ignore_nulls=ignore_nulls,
            partition_by=partition_by,
        )

    def derivative(
        self,
        x: IntoExpr | None = None,
        *,
        order: int = 1,
        accuracy: int = 2,
        spacing: float | None = None,
        per: str | dt.timedelta | None = None,
        ignore_nulls: bool = False,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return the finite-difference derivative of any order and even accuracy.

        ``pl.col("y").grad.derivative(...)`` is ``polars_gradient.derivative("y", ...)``;
        see :func:`polars_gradient.derivative` for the stencils, nulls and dtypes.

        Parameters
        ----------
        x
            Coordinate column name or expression (numeric or temporal); ``None``:
            uniform ``spacing``.
        order
            The derivative's order, ``>= 1``.
        accuracy
            Even order of accuracy, ``>= 2``.
        spacing, per, ignore_nulls, partition_by
            As in :meth:`gradient`.

        Returns
        -------
        polars.Expr
            Float64 (Float32 by the same rule as ``gradient``).

        Examples
        --------
        >>> import polars as pl
        >>> import polars_gradient  # noqa: F401
        >>> df = pl.DataFrame({"y": [float(k) ** 4 for k in range(1, 8)]})  # y'' = 12 k^2
        >>> df.select(pl.col("y").grad.derivative(order=2, accuracy=4).round(8))["y"].to_list()
        [12.0, 48.0, 108.0, 192.0, 300.0, 432.0, 588.0]
        """
        return _derivative(
            self._expr,
            x,
            order=order,
            accuracy=accuracy,
            spacing=spacing,
            per=per,
            ignore_nulls=ignore_nulls,
            partition_by=partition_by,
        )

    def savgol(
        self,
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
        """Return the Savitzky–Golay derivative: a least-squares polynomial per window.

        ``pl.col("y").grad.savgol(...)`` is ``polars_gradient.savgol("y", ...)``;
        see :func:`polars_gradient.savgol` for the fit, windows, nulls and dtypes.

        Parameters
        ----------
        x
            Coordinate column name or expression (numeric or temporal); ``None``:
            uniform ``spacing``.
        window
            An odd number of rows, or (with ``x``) a width: a number in ``x``'s
            units, or a duration (``"10m"``, ``timedelta``) for a temporal ``x``.
        polyorder
            Degree of the fitted polynomial (less than a window of rows).
        order
            Derivative order, ``0 <= order <= polyorder`` (0: smoothed values).
        spacing, per, ignore_nulls, partition_by
            As in :meth:`gradient`.

        Returns
        -------
        polars.Expr
            Float64 (Float32 by the same rule as ``gradient``).

        Examples
        --------
        >>> import polars as pl
        >>> import polars_gradient  # noqa: F401
        >>> df = pl.DataFrame({"y": [float(k) ** 2 for k in range(7)]})
        >>> df.select(pl.col("y").grad.savgol(window=5).round(10))["y"].to_list()
        [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
        """
        return _savgol(
            self._expr,
            x,
            window=window,
            polyorder=polyorder,
            order=order,
            spacing=spacing,
            per=per,
            ignore_nulls=ignore_nulls,
            partition_by=partition_by,
        )

    def cumulative_trapezoid(
        self,
        x: IntoExpr | None = None,
        *,
        spacing: float | None = None,
        per: str | dt.timedelta | None = None,
        ignore_nulls: bool = False,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return the running trapezoid integral, 0.0 at each series' first row.

        See :func:`polars_gradient.cumulative_trapezoid`.

        Parameters
        ----------
        x
            Coordinate column name or expression; ``None``: uniform ``spacing``.
        spacing, per, ignore_nulls, partition_by
            As in :meth:`gradient`; ``per`` is the time unit integrated over.

        Returns
        -------
        polars.Expr
            Float64 (Float32 by the same rule as ``gradient``).

        Examples
        --------
        >>> import polars as pl
        >>> import polars_gradient  # noqa: F401
        >>> df = pl.DataFrame({"v": [1.0, 3.0, 5.0]})
        >>> df.select(pl.col("v").grad.cumulative_trapezoid(spacing=0.5))["v"].to_list()
        [0.0, 1.0, 3.0]
        """
        return _cumulative_trapezoid(
            self._expr,
            x,
            spacing=spacing,
            per=per,
            ignore_nulls=ignore_nulls,
            partition_by=partition_by,
        )

    def trapezoid(
        self,
        x: IntoExpr | None = None,
        *,
        spacing: float | None = None,
        per: str | dt.timedelta | None = None,
        ignore_nulls: bool = False,
    ) -> pl.Expr:
        """Return the trapezoid integral: one value per series or group.

        See :func:`polars_gradient.trapezoid`.

        Parameters
        ----------
        x
            Coordinate column name or expression; ``None``: uniform ``spacing``.
        spacing, per, ignore_nulls
            As in :meth:`cumulative_trapezoid`.

        Returns
        -------
        polars.Expr
            One Float64 (Float32 by the same rule as ``gradient``).

        Examples
        --------
        >>> import polars as pl
        >>> import polars_gradient  # noqa: F401
        >>> df = pl.DataFrame({"v": [1.0, 3.0, 5.0]})
        >>> df.select(pl.col("v").grad.trapezoid(spacing=0.5)).item()
        3.0
        """
        return _trapezoid(self._expr, x, spacing=spacing, per=per, ignore_nulls=ignore_nulls)

    def rate(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``rate()`` over a trailing window (per second for a temporal ``x``).

        ``pl.col("c").grad.rate(...)`` is ``polars_gradient.rate("c", ...)``; see
        :func:`polars_gradient.rate` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            Float64, one per row (or one value with ``window=None``).
        """
        return _counters.rate(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def increase(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``increase()``: a counter's growth over a window, resets included.

        ``pl.col("c").grad.increase(...)`` is ``polars_gradient.increase("c", ...)``; see
        :func:`polars_gradient.increase` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            Float64, one per row (or one value with ``window=None``).
        """
        return _counters.increase(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def delta(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``delta()``: a gauge's change over a trailing window.

        ``pl.col("c").grad.delta(...)`` is ``polars_gradient.delta("c", ...)``; see
        :func:`polars_gradient.delta` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            Float64, one per row (or one value with ``window=None``).
        """
        return _counters.delta(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def irate(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``irate()``: the rate from the last two samples of a trailing window.

        ``pl.col("c").grad.irate(...)`` is ``polars_gradient.irate("c", ...)``; see
        :func:`polars_gradient.irate` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            Float64, one per row (or one value with ``window=None``).
        """
        return _counters.irate(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def idelta(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``idelta()``: the difference of a window's last two samples.

        ``pl.col("c").grad.idelta(...)`` is ``polars_gradient.idelta("c", ...)``; see
        :func:`polars_gradient.idelta` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            Float64, one per row (or one value with ``window=None``).
        """
        return _counters.idelta(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def deriv(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``deriv()``: the least-squares slope over a trailing window.

        ``pl.col("c").grad.deriv(...)`` is ``polars_gradient.deriv("c", ...)``; see
        :func:`polars_gradient.deriv` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            Float64, one per row (or one value with ``window=None``).
        """
        return _counters.deriv(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def predict_linear(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        ahead: Width,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``predict_linear()``: the least-squares line ``ahead`` of each row.

        ``pl.col("c").grad.predict_linear(...)`` is
        ``polars_gradient.predict_linear("c", ...)``; see
        :func:`polars_gradient.predict_linear` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        ahead
            How far after each row to predict (see the function form).
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            Float64, one per row (or one value with ``window=None``).
        """
        return _counters.predict_linear(
            self._expr,
            x,
            window=window,
            ahead=ahead,
            per=per,
            partition_by=partition_by,
        )

    def resets(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``resets()``: the counter resets within a trailing window.

        ``pl.col("c").grad.resets(...)`` is ``polars_gradient.resets("c", ...)``; see
        :func:`polars_gradient.resets` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            UInt32 counts, one per row (or one value with ``window=None``).
        """
        return _counters.resets(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def changes(
        self,
        x: IntoExpr,
        *,
        window: Width | None = None,
        per: str | dt.timedelta | None = None,
        partition_by: IntoKeys | None = None,
    ) -> pl.Expr:
        """Return PromQL's ``changes()``: the value changes within a trailing window.

        ``pl.col("c").grad.changes(...)`` is ``polars_gradient.changes("c", ...)``; see
        :func:`polars_gradient.changes` for PromQL's rules, nulls and dtypes.

        Parameters
        ----------
        x
            The samples' times (Date, Datetime, Duration) or coordinates (numbers).
        window
            The trailing window ``(x_i - window, x_i]``: a duration for a temporal
            ``x``, a number for a numeric one; ``None``: the whole series, one value.
        per
            For a temporal ``x``: the result's time unit (default one second).
        partition_by
            Column name(s) or expression(s): one series per group, in one pass.

        Returns
        -------
        polars.Expr
            UInt32 counts, one per row (or one value with ``window=None``).
        """
        return _counters.changes(
            self._expr,
            x,
            window=window,
            per=per,
            partition_by=partition_by,
        )

    def unwrap_counter(self, *, partition_by: IntoKeys | None = None) -> pl.Expr:
        """Return the counter with its resets undone (after a drop, on from the value before).

        See :func:`polars_gradient.unwrap_counter`.

        Parameters
        ----------
        partition_by
            Column name(s) or expression(s): undo resets within each group.

        Returns
        -------
        polars.Expr
            Float64, same length and name.
        """
        return _counters.unwrap_counter(self._expr, partition_by=partition_by)
