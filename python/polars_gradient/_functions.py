"""Derivatives of functions of expressions: ``derivative_of`` and ``gradient_of``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import polars as pl

from polars_gradient._gradient import IntoExpr, _check_order, _register, _to_expr
from polars_gradient._internal import richardson_offsets
from polars_gradient._rowwise import is_row_wise

#: Steps per estimate, and the ratio between consecutive steps (numdifftools' defaults).
NUM_STEPS = 15
STEP_RATIO = 2.0


def _name(expr: pl.Expr, fallback: str) -> str:
    try:
        return expr.meta.output_name()
    except pl.exceptions.ComputeError:
        return fallback


def _check_step(step: object) -> float | None:
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, numbers.Real):
        raise TypeError(f"derivative_of: step must be a positive number or None, got {step!r}")
    value = float(step)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"derivative_of: step must be a positive, finite number, got {step!r}")
    return value


def _as_float(expr: pl.Expr, what: str) -> pl.Expr:
    """``expr`` as Float64; a non-number column is an error naming it and its dtype."""
    return _register("as_float", [expr], {"what": what}, is_elementwise=True)


def _check_row_wise(f: Callable[..., pl.Expr], n: int, name: str) -> None:
    """Refuse an ``f`` whose value at a row depends on other rows.

    ``f`` is applied once to placeholder columns and the result read by
    ``is_row_wise``: every part that depends on an argument must act row by row
    (parts that do not, such as ``pl.col("a").mean()``, are constants here). An
    ``f`` that Polars cannot serialize (a Python function inside) cannot be
    inspected and is accepted.
    """
    names = [f"__polars_gradient_{name}_arg{i}" for i in range(n)]
    out = _apply(f, *(pl.col(v) for v in names))
    if is_row_wise(out, through=names) is False:
        shown = str(out)
        for i, v in enumerate(names):
            shown = shown.replace(v, "x" if n == 1 else f"x{i}")
        raise ValueError(
            f"{name}: f must act row by row, but f gives {shown}, whose value at a row "
            "depends on other rows (an aggregation such as sum() or max(), a window "
            "function such as cum_sum() or shift(), a sort, ...): each row's step would "
            "leak into the others. Compute such parts outside f, on the original column"
        )


def _apply(f: Callable[..., pl.Expr], *args: pl.Expr) -> pl.Expr:
    out = f(*args)
    if not isinstance(out, pl.Expr):
        raise TypeError(
            f"derivative_of: f must map polars expressions to a polars expression, "
            f"but it returned {out!r} of type {type(out).__name__}"
        )
    return out


def derivative_of(
    f: Callable[[pl.Expr], pl.Expr],
    at: IntoExpr,
    *,
    order: int = 1,
    step: float | None = None,
    error: bool = False,
) -> pl.Expr:
    r"""Return the derivative of the function ``f`` at every row of ``at``.

    ``f`` maps a Polars expression to a Polars expression (``lambda x: x.sin() * x``);
    the result is a lazy expression: no Python runs per row. It evaluates ``f`` at
    ``at + o * h_k`` for a geometric sequence of steps ``h_k = step / 2**k``
    (``k = 0 .. 14``) and the offsets ``o`` of the central difference of the given
    order, then improves the central differences by Richardson extrapolation and
    keeps, per row, the estimate with the smallest error estimate: the method of
    numdifftools' ``Derivative``.

    Parameters
    ----------
    f
        A function of one expression, returning an expression of the same length
        that acts row by row: an ``f`` whose value at a row depends on other rows
        (``x.sum()``, ``x / x.max()``, ``x.cum_sum()``, ``x.shift()``) is refused
        with a ``ValueError``, since each row's step would leak into the others.
        Parts that do not depend on the argument (``pl.col("a").mean()``) are
        constants. An ``f`` that Polars cannot serialize (a Python function inside)
        cannot be inspected: it is accepted, and must act row by row.
    at
        Where to differentiate: a column name or an expression (cast to Float64).
    order
        The derivative's order, an integer ``>= 1``.
    step
        The first, largest step (a positive number). Default, as numdifftools:
        ``2 * max(log(e + |at|), 1)`` per row. Give a smaller one when ``f`` is only
        defined near ``at`` (steps that leave its domain give NaN and are passed
        over anyway).
    error
        ``True``: return a Struct ``{value, error}`` with the extrapolation's error
        estimate.

    Returns
    -------
    polars.Expr
        Float64 named like ``at`` (or a Struct of two Float64 fields). A null
        ``at`` gives null; no finite estimate gives NaN.

    Notes
    -----
    With central differences :math:`D(h) = f' + c_1 h^2 + c_2 h^4 + \dots`, the
    extrapolation :math:`D_j(h) = D_{j-1}(h) + (D_{j-1}(h) - D_{j-1}(2h)) / (4^j - 1)`
    removes one term per level (up to four levels). The error estimate of an entry
    is its difference from its neighbours in the table plus the rounding error
    :math:`10\,\epsilon\,\max|f| / h^{order}`. Smooth functions reach about
    ``1e-10`` relative accuracy for first derivatives and ``1e-9`` for second.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"x": [0.0, 1.0, 2.0]})
    >>> out = df.select(pg.derivative_of(lambda x: x.sin() * x, "x"))
    >>> [round(v, 12) for v in out["x"]]  # sin x + x cos x
    [0.0, 1.381773290676, 0.077003753731]
    """
    if not callable(f):
        raise TypeError(f"derivative_of: f must be callable, got {f!r}")
    checked = _check_order(order, "derivative_of")
    if not isinstance(error, bool):
        raise TypeError(f"derivative_of: error must be True or False, got {error!r}")
    _check_row_wise(f, 1, "derivative_of")
    at_expr = _to_expr(at, "derivative_of: at")
    x = _as_float(at_expr, "derivative_of: at")
    return _richardson(f, x, _name(at_expr, "derivative"), checked, _check_step(step), error)


def _richardson(
    f: Callable[[pl.Expr], pl.Expr],
    x: pl.Expr,
    name: str,
    order: int,
    h: float | None,
    error: bool,
) -> pl.Expr:
    """The derivative of ``f`` at the Float64 ``x`` (checked arguments), named ``name``."""
    # The first step, per row; null where `x` is null (so is the result).
    h0 = pl.when(x.is_not_null()).then(
        pl.lit(h, dtype=pl.Float64)
        if h is not None
        else 2.0 * pl.max_horizontal((math.e + x.abs()).log(), pl.lit(1.0))
    )
    # The offsets come from the plugin's rule, the one place that decides them:
    # f(x) once when the centre is sampled, then each other offset per step.
    offsets = richardson_offsets(order)
    points = [_apply(f, x)] if 0 in offsets else []
    for k in range(NUM_STEPS):
        hk = h0 / STEP_RATIO**k
        points += [_apply(f, x + o * hk) for o in offsets if o != 0]
    return _register(
        "richardson",
        [h0.alias(name), *points],
        {"order": order, "num_steps": NUM_STEPS, "ratio": STEP_RATIO, "error": error},
        is_elementwise=True,
    ).alias(name)


def gradient_of(
    f: Callable[..., pl.Expr],
    *at: IntoExpr,
    step: float | None = None,
) -> pl.Expr:
    """Return the partial derivatives of ``f`` at every row, as a Struct.

    ``f`` maps as many expressions as ``at`` gives to one expression; the result has
    one Float64 field per ``at``, named like it: the derivative of ``f`` in that
    argument with the others held, each by :func:`derivative_of` (the Struct is
    named after the first field). The analogue of numdifftools' ``Gradient``.

    Parameters
    ----------
    f
        A function of ``len(at)`` expressions, returning one expression that acts
        row by row in each argument, as in :func:`derivative_of` (checked the same way).
    *at
        Where to differentiate: column names or expressions, at least one.
    step
        The first, largest step for every argument; default from each one's
        magnitude, as in :func:`derivative_of`.

    Returns
    -------
    polars.Expr
        A Struct with one Float64 field per ``at``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"x": [1.0, 2.0], "y": [3.0, -1.0]})
    >>> out = df.select(pg.gradient_of(lambda x, y: x**2 * y + y.sin(), "x", "y"))
    >>> out.unnest("x").select(pl.all().round(10)).rows()  # (2xy, x^2 + cos y)
    [(6.0, 0.0100075034), (-4.0, 4.5403023059)]
    """
    if not callable(f):
        raise TypeError(f"gradient_of: f must be callable, got {f!r}")
    h = _check_step(step)
    if not at:
        raise ValueError("gradient_of: give at least one expression to differentiate at")
    _check_row_wise(f, len(at), "gradient_of")
    exprs = [_as_float(_to_expr(a, "gradient_of: at"), "gradient_of: at") for a in at]
    names = [_name(e, f"x{i}") for i, e in enumerate(exprs)]
    if len(set(names)) != len(names):
        raise ValueError(f"gradient_of: the arguments need distinct names, got {names}")
    fields = []
    for i, (expr, name) in enumerate(zip(exprs, names)):

        def partial(t: pl.Expr, i: int = i) -> pl.Expr:
            return _apply(f, *(t if j == i else e for j, e in enumerate(exprs)))

        # Each argument is converted to Float64 once, here: the derivative in it and the
        # other partials (where it is held) share that expression.
        fields.append(_richardson(partial, expr, name, 1, h, False))
    return pl.struct(fields)
