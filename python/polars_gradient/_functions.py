"""Derivatives of functions of expressions: ``derivative_of`` and ``gradient_of``."""

from __future__ import annotations

import math
from collections.abc import Callable

import polars as pl

from polars_gradient._checks import IntoExpr, _check_int, _check_real, _to_expr
from polars_gradient._internal import richardson_plan
from polars_gradient._plugin import _register
from polars_gradient._rowwise import is_row_wise, unknown_node


def _name(expr: pl.Expr, fallback: str) -> str:
    try:
        return expr.meta.output_name()
    except pl.exceptions.ComputeError:
        return fallback


def _check_step(step: object) -> float | None:
    if step is None:
        return None
    value = _check_real(step, "derivative_of: step", "a positive number or None")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"derivative_of: step must be a positive, finite number, got {step!r}")
    return value


def _as_float(expr: pl.Expr, what: str) -> pl.Expr:
    """``expr`` as Float64; a non-number column is an error naming it and its dtype."""
    return _register("as_float", [expr], {"what": what}, is_elementwise=True)


def _check_row_wise(f: Callable[..., pl.Expr], n: int, name: str, assume: object) -> None:
    """Refuse an ``f`` whose value at a row depends on other rows.

    ``f`` is applied once to placeholder columns and the result read by
    ``is_row_wise``: every part that depends on an argument must act row by
    row (parts that do not, such as ``pl.col("a").mean()``, are constants here). An
    ``f`` that Polars cannot serialize (a Python function inside) cannot be
    inspected and is accepted. A plan with a node this package does not know (a
    newer Polars) cannot be verified: refused with the node's name, unless the
    caller vouches for ``f`` with ``assume_row_wise=True``.
    """
    if not isinstance(assume, bool):
        raise TypeError(f"{name}: assume_row_wise must be True or False, got {assume!r}")
    if assume:
        return
    names = [f"__polars_gradient_{name}_arg{i}" for i in range(n)]
    out = _apply(f, *(pl.col(v) for v in names))
    unknown = unknown_node(out, through=names)
    if unknown is not None:
        raise ValueError(
            f"{name}: cannot verify that f acts row by row on Polars {pl.__version__}: its "
            f"plan has a node {unknown!r} that this version of polars-gradient does not know. "
            "If f acts row by row (each row's value from that row alone), pass "
            "assume_row_wise=True to skip the check"
        )
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
    assume_row_wise: bool = False,
) -> pl.Expr:
    r"""Return the derivative of the function ``f`` at every row of ``at``.

    ``f`` maps a Polars expression to a Polars expression (``lambda x: x.sin() * x``);
    the result is a lazy expression: no Python runs per row, and ``f`` is called a
    fixed number of times when the expression is built. It evaluates ``f`` at
    ``at + o * h_k`` for eight steps ``h_k = step / r**k`` and the offsets ``o`` of
    the central difference of the given order, improves the differences by
    Richardson extrapolation, checks every estimate against the smaller steps and
    keeps, per row, the estimate with the smallest error estimate. A row whose
    smallest steps do not agree gives null: it has no estimate that can be trusted.

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
        The derivative's order, an integer ``>= 0`` (``0``: ``f(at)`` itself, with
        error 0).
    step
        The first, largest step (a positive number); the others are
        ``step / r**k``, ``k = 1 .. 7``, with ``r = 3.1`` for ``order=1`` and ``2.3``
        above. Default, per row: ``eps**(1 / (2.5 + 1.3 (order - 1))) * r**7 *
        log(e + |at|)``, so that the smallest step is numdifftools' base
        step (``5.4e-7`` at ``at = 0`` for a first derivative, the first
        ``1.5e-3``): small enough to see features about ``1e-5`` wide near 0 and
        ``1e-4`` wide at ``1e8``.
    error
        ``True``: return a Struct ``{value, error}`` with the error estimate.
    assume_row_wise
        ``True``: skip the check that ``f`` acts row by row. Only for a Polars
        release whose plans have a node this package does not know (the check
        then refuses ``f`` and names the node); ``f`` must act row by row.

    Returns
    -------
    polars.Expr
        Float64 named like ``at`` (or a Struct of two Float64 fields). A null
        ``at`` gives null, and so does a row without a trustworthy estimate
        (features finer than the smallest step, a point outside ``f``'s domain,
        ``f`` that is noise at the scale of the steps).

    Notes
    -----
    Central differences :math:`D(h) = f^{(m)} + c_1 h^2 + c_2 h^4 + \dots` at the
    steps :math:`h_k` are extrapolated by Neville's scheme in :math:`h^2`, over the
    steps as taken (each rounded so that :math:`x \pm h` are exact):
    :math:`T_{k,j} = T_{k,j-1} + (T_{k,j-1} - T_{k-1,j-1}) / ((h_{k-j}/h_k)^2 - 1)`,
    up to three levels. The error estimate of an entry is twice the larger of its
    disagreement with its neighbours in the table and its disagreement with each
    entry of the same level at a smaller step (less that entry's own uncertainty),
    plus the rounding: :math:`10\,\epsilon \sum |w_o f_o| / h^m`, ten times the
    noise of ``f`` that the three smallest steps show, and
    :math:`4\,\epsilon\,|x|\,|f'| \sum|w_o| / h^m` for the rounding of the argument,
    each grown by the extrapolation. A row is null unless the three smallest steps'
    differences agree to ``1e-3`` of :math:`\max|f| / h^m` and to ``1e-2`` of
    themselves (beyond rounding). Smooth functions reach about ``1e-12`` relative
    accuracy for first derivatives and ``1e-10`` for second; the error estimate
    bounds the real error.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_gradient as pg
    >>> df = pl.DataFrame({"x": [0.0, 1.0, 2.0]})
    >>> out = df.select(pg.derivative_of(lambda x: x.sin() * x, "x"))
    >>> [round(v, 10) for v in out["x"]]  # sin x + x cos x
    [0.0, 1.3817732907, 0.0770037537]

    A bump 0.1 wide, seen from 0.2 away (its derivative is 0.732626 there):

    >>> bump = pl.DataFrame({"x": [0.3, 0.5, 0.7]})
    >>> out = bump.select(
    ...     pg.derivative_of(lambda x: (-(((x - 0.5) * 10) ** 2)).exp(), "x", error=True)
    ... ).unnest("x")
    >>> [round(v, 6) for v in out["value"]], bool(out["error"].max() < 1e-9)
    ([0.732626, 0.0, -0.732626], True)
    """
    if not callable(f):
        raise TypeError(f"derivative_of: f must be callable, got {f!r}")
    checked = _check_int(order, "derivative_of: order")
    if checked < 0:
        raise ValueError(f"derivative_of: order must be at least 0, got {order!r}")
    if not isinstance(error, bool):
        raise TypeError(f"derivative_of: error must be True or False, got {error!r}")
    _check_row_wise(f, 1, "derivative_of", assume_row_wise)
    at_expr = _to_expr(at, "derivative_of: at")
    x = _as_float(at_expr, "derivative_of: at")
    name = _name(at_expr, "derivative")
    h = _check_step(step)
    if checked == 0:
        value = _apply(f, x).cast(pl.Float64)
        if not error:
            return value.alias(name)
        zero = pl.when(value.is_not_null()).then(pl.lit(0.0, dtype=pl.Float64))
        return pl.struct(value.alias("value"), zero.alias("error")).alias(name)
    return _richardson(f, x, name, checked, h, error)


def _richardson(
    f: Callable[[pl.Expr], pl.Expr],
    x: pl.Expr,
    name: str,
    order: int,
    h: float | None,
    error: bool,
) -> pl.Expr:
    """The derivative of ``f`` at the Float64 ``x`` (checked arguments), named ``name``."""
    # The plugin's rule decides the offsets and the steps, in one place: f(x) once
    # when the centre is sampled, then each other offset at each step.
    offsets, divisors, first_step = richardson_plan(order)
    # The first step, per row (log(e + |x|) >= 1: the argument's scale). A null or
    # NaN `x` gives null.
    h0 = pl.lit(h, dtype=pl.Float64) if h is not None else first_step * (math.e + x.abs()).log()
    points = [_apply(f, x)] if 0 in offsets else []
    for divisor in divisors:
        # The step as taken: x + s and x - s are exact (`exact_step` in Rust,
        # which computes the same expression again).
        s = (x.abs() + h0 / divisor) - x.abs()
        points += [_apply(f, x + o * s) for o in offsets if o != 0]
    return _register(
        "richardson",
        [x.alias(name), h0, *points],
        {"order": order, "error": error},
        is_elementwise=True,
    ).alias(name)


def gradient_of(
    f: Callable[..., pl.Expr],
    *at: IntoExpr,
    step: float | None = None,
    assume_row_wise: bool = False,
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
    assume_row_wise
        As in :func:`derivative_of`.

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
    _check_row_wise(f, len(at), "gradient_of", assume_row_wise)
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
