"""The function form of the gradient and the validation shared with the namespace."""

from __future__ import annotations

import datetime as dt
import inspect
import math
import numbers
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Union

import polars as pl
from polars.plugins import register_plugin_function

from polars_gradient._rowwise import is_row_wise

PLUGIN_PATH = Path(__file__).parent

# Every function of the plugin gives the same output for the same input, which lets
# Polars compute a repeated one once. Polars >= 2.1 can be told so; older versions
# have no such parameter.
_DETERMINISTIC: dict[str, bool] = (
    {"is_deterministic": True}
    if "is_deterministic" in inspect.signature(register_plugin_function).parameters
    else {}
)


def _register(
    function_name: str, args: list[pl.Expr], kwargs: dict[str, Any], **options: bool
) -> pl.Expr:
    """Call the compiled plugin's ``function_name`` (the one place that registers a call)."""
    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name=function_name,
        args=args,
        kwargs=kwargs,
        **options,
        **_DETERMINISTIC,
    )


IntoExpr = Union[str, pl.Expr]
IntoKeys = Union[IntoExpr, Sequence[IntoExpr]]


def _to_expr(value: object, what: str) -> pl.Expr:
    """``value`` as an expression; ``what`` names it in errors (``"gradient: y"``)."""
    if isinstance(value, str):
        return pl.col(value)
    if isinstance(value, pl.Expr):
        return value
    raise TypeError(
        f"{what} must be a column name (str) or a polars expression, "
        f"got {value!r} of type {type(value).__name__}"
    )


def _to_keys(partition_by: object, name: str) -> list[pl.Expr]:
    if isinstance(partition_by, (str, pl.Expr)):
        return [_to_expr(partition_by, f"{name}: partition_by")]
    if isinstance(partition_by, Sequence) and not isinstance(partition_by, (bytes, bytearray)):
        keys = [_to_expr(k, f"{name}: partition_by") for k in partition_by]
        if not keys:
            raise ValueError(f"{name}: partition_by needs at least one column")
        return keys
    raise TypeError(
        f"{name}: partition_by must be a column name (str), a polars expression or a list "
        f"of them, got {partition_by!r} of type {type(partition_by).__name__}"
    )


_FIXED_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 604_800_000_000_000,
}
_CALENDAR_UNITS = {"mo", "q", "y", "i"}
# numpy's fixed timedelta64 units, in nanoseconds.
_NUMPY_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "D": 86_400_000_000_000,
    "W": 604_800_000_000_000,
}
_DURATION_PART = re.compile(r"(\d+)(ns|us|µs|ms|mo|s|m|h|d|w|q|y|i)")


def _timedelta64_ns(value: Any, name: str, what: str) -> int:
    """A numpy ``timedelta64`` of a fixed unit as whole nanoseconds."""
    unit = str(value.dtype)[len("timedelta64") :].strip("[]")
    if unit not in _NUMPY_UNITS_NS:
        raise ValueError(
            f"{name}: {what} must have a fixed length; {value!r} has the unit "
            f"{unit or 'generic'!r}. Use fixed units: ns, us, ms, s, m, h, D, W"
        )
    return int(value.astype("int64")) * _NUMPY_UNITS_NS[unit]


def _per_ns(per: object, name: str, what: str = "per") -> int:
    """``per`` as a whole number of nanoseconds (a fixed-length duration).

    ``what`` names the argument in errors (``per``, or ``window``)."""
    if isinstance(per, dt.timedelta):
        ns = (per.days * 86_400 + per.seconds) * 1_000_000_000 + per.microseconds * 1_000
    elif _is_timedelta(per):
        ns = _timedelta64_ns(per, name, what)
    elif isinstance(per, str):
        text = per.strip()
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(
                f"{name}: {what} must be a Polars duration string such as '1s', '250ms', '15m', "
                f"'1h' or '1d', or a datetime.timedelta; got {per!r}"
            )
        calendar = [u for _, u in parts if u in _CALENDAR_UNITS]
        if calendar:
            raise ValueError(
                f"{name}: {what} must have a fixed length; {per!r} uses the calendar unit "
                f"{calendar[0]!r}, whose length varies. Use fixed units: ns, us, ms, s, m, h, d, w"
            )
        ns = sum(int(n) * _FIXED_UNITS_NS[u] for n, u in parts)
    else:
        raise TypeError(
            f"{name}: {what} must be a duration string (for example '1s') or a datetime.timedelta, "
            f"got {per!r} of type {type(per).__name__}"
        )
    if ns <= 0:
        raise ValueError(f"{name}: {what} must be a positive duration, got {per!r}")
    if ns >= 2**63:
        raise ValueError(f"{name}: {what} is too long, got {per!r}")
    return ns


def _is_timedelta(value: object) -> bool:
    """A ``datetime.timedelta``, or numpy's ``timedelta64`` (scalar or 0-d array)."""
    dtype = getattr(value, "dtype", None)
    return isinstance(value, dt.timedelta) or getattr(dtype, "kind", None) == "m"


def _number(value: object) -> object:
    """``value`` as a plain Python number where numpy would take it as one.

    numpy scalars and 0-d arrays (``np.float32(2)``, ``np.array(3.0)``) become the
    Python number they hold; anything else is returned as it is, for the caller's
    type check (which refuses ``bool`` and timedeltas: numpy's ``timedelta64`` is an
    integer type to Python's ``numbers``, so it is told apart first).
    """
    if _is_timedelta(value):
        return value
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, (int, float)):
            return item
    return value


def _timedelta_hint(value: object) -> str:
    return (
        "; a timedelta is not a number: give time coordinates as x (a Datetime or "
        "Duration column) and the result's unit as per"
        if _is_timedelta(value)
        else ""
    )


def _check_int(value: object, what: str, expected: str = "an integer") -> int:
    """An integer argument (``bool`` is not one): ``TypeError`` for anything else.

    The one integer check of every function; ``what`` names the argument
    (``"derivative: order"``), ``expected`` says what is accepted. numpy integers
    and 0-d integer arrays are integers.
    """
    number = _number(value)
    if isinstance(number, numbers.Integral) and not isinstance(number, bool):
        if not _is_timedelta(number):
            return int(number)
    raise TypeError(
        f"{what} must be {expected}, got {value!r} of type {type(value).__name__}"
        + _timedelta_hint(value)
    )


def _check_real(value: object, what: str, expected: str) -> float:
    """A real-number argument as numpy takes one (Python and numpy numbers, 0-d
    arrays; not ``bool``, not a timedelta): ``TypeError`` for anything else."""
    number = _number(value)
    if isinstance(number, numbers.Real) and not isinstance(number, bool):
        if not _is_timedelta(number):
            return float(number)
    raise TypeError(
        f"{what} must be {expected}, got {value!r} of type {type(value).__name__}"
        + _timedelta_hint(value)
    )


def _check_edge_order(edge_order: object, name: str) -> int:
    edge = _check_int(edge_order, f"{name}: edge_order", "the integer 1 or 2")
    if edge not in (1, 2):
        raise ValueError(f"{name}: edge_order must be 1 or 2, got {edge_order!r}")
    return edge


def _check_order(order: object, name: str) -> int:
    """A derivative's order: an integer ``>= 1``."""
    value = _check_int(order, f"{name}: order")
    if value < 1:
        raise ValueError(f"{name}: order must be at least 1, got {order!r}")
    return value


def _check_spacing(spacing: object, name: str) -> float:
    value = _check_real(spacing, f"{name}: spacing", "a finite, non-zero number")
    if not math.isfinite(value) or value == 0.0:
        raise ValueError(f"{name}: spacing must be a finite, non-zero number, got {spacing!r}")
    return value


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


def _check_order_accuracy(order: object, accuracy: object) -> tuple[int, int]:
    checked = _check_order(order, "derivative")
    acc = _check_int(accuracy, "derivative: accuracy")
    if acc < 2 or acc % 2:
        raise ValueError(f"derivative: accuracy must be an even integer >= 2, got {accuracy!r}")
    return checked, acc


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


def _plugin(
    name: str,
    y: IntoExpr,
    x: IntoExpr | None,
    spacing: float | None,
    per: str | dt.timedelta | None,
    ignore_nulls: bool,
    partition_by: IntoKeys | None,
    method: dict[str, Any],
    returns_scalar: bool = False,
) -> pl.Expr:
    """The plugin call shared by ``gradient``, ``derivative``, ``savgol`` and the
    trapezoid functions: checks and kwargs. ``name`` is the plugin function."""
    if not isinstance(ignore_nulls, bool):
        raise TypeError(f"{name}: ignore_nulls must be True or False, got {ignore_nulls!r}")
    if per is not None and x is None:
        raise ValueError(f"{name}: per is only for a temporal x, and no x was given")
    per_ns = None if per is None else _per_ns(per, name)
    y_expr = _to_expr(y, f"{name}: y")
    args = [y_expr]
    if x is not None:
        if spacing is not None:
            raise ValueError(f"{name}: give either x or spacing, not both")
        args.append(_to_expr(x, f"{name}: x"))
        step = 1.0
    else:
        step = 1.0 if spacing is None else _check_spacing(spacing, name)
    keys = [] if partition_by is None else _to_keys(partition_by, name)
    expr = _register(
        name,
        [*args, *keys],
        {
            # The function called, with its method's parameters (a tagged enum in Rust).
            "called": {"function": name, **method},
            "spacing": step,
            "has_x": x is not None,
            "n_keys": len(keys),
            "ignore_nulls": ignore_nulls,
            "per_ns": per_ns,
        },
        is_elementwise=False,
        returns_scalar=returns_scalar,
    )
    if keys or returns_scalar:
        return expr
    # `.over(keys)` on the result may become this same call with partition_by=keys:
    # only where that provably gives Polars' own values (see GradientExpr).
    if all(is_row_wise(e) for e in args):  # y, and x when given
        return GradientExpr._wrap(
            expr,
            lambda keys: _plugin(name, y, x, spacing, per, ignore_nulls, keys, method),
        )
    return expr


_OVER = inspect.signature(pl.Expr.over)
# The parameters of `pl.Expr.over` that name the keys; every other one must be at
# its default for `.over()` to be `partition_by=`.
_OVER_KEYS = ("partition_by", "more_exprs")


class GradientExpr(pl.Expr):
    """What ``gradient`` and ``derivative`` return when ``y`` and ``x`` act row by row.

    Polars runs a plugin inside ``.over()`` once per group, which costs microseconds
    per group. When ``y`` and ``x`` are columns, literals or row-wise expressions of
    them (``_rowwise.is_row_wise``), evaluating them over the whole frame and then
    splitting by key gives exactly the values Polars' own ``.over()`` gives, so
    ``.over(keys)`` becomes ``partition_by=keys``: one pass. Otherwise (``cum_sum``,
    ``shift``, ``rank``, ``y / y.max()`` ...) the result is a plain ``polars.Expr``
    and ``.over()`` is Polars' own. ``.over()`` with ``order_by`` or any option
    other than the keys, and any method but ``.over``, is Polars' own too.
    """

    _over_keys: Callable[[list[pl.Expr]], pl.Expr]

    @classmethod
    def _wrap(cls, expr: pl.Expr, over_keys: Callable[[list[pl.Expr]], pl.Expr]) -> GradientExpr:
        # A fresh expression from the plugin call: give it this class's `.over`.
        expr.__class__ = cls
        assert isinstance(expr, GradientExpr)
        expr._over_keys = over_keys
        return expr

    def over(self, *args: Any, **kwargs: Any) -> pl.Expr:
        over_keys: Callable[[list[Any]], pl.Expr] | None = getattr(self, "_over_keys", None)
        if over_keys is not None:
            try:
                arguments = _OVER.bind(self, *args, **kwargs).arguments
            except TypeError:  # arguments Polars does not take: Polars says so below
                arguments = {}
            keys = _over_partition(arguments)
            if keys is not None:
                return over_keys(keys)
        # Polars' own, given exactly what the caller gave.
        return super().over(*args, **kwargs)


def _over_partition(arguments: dict[str, Any]) -> list[pl.Expr | str] | None:
    """The keys of an ``.over()`` call that only names keys, else ``None``."""
    for param, value in arguments.items():
        if param == "self" or param in _OVER_KEYS:
            continue
        default = _OVER.parameters[param].default
        # An Expr compares into an Expr: only plain values are compared by value.
        if not (value is default or (type(value) in (str, bool) and value == default)):
            return None
    first = arguments.get("partition_by")
    if first is None:
        return None
    keys: list[Any] = (
        [first]
        if isinstance(first, (str, pl.Expr)) or not isinstance(first, Iterable)
        else list(first)
    )
    keys += list(arguments.get("more_exprs", ()))
    if keys and all(isinstance(k, (str, pl.Expr)) for k in keys):
        return keys
    return None


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
