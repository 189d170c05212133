"""The calls into the compiled plugin: registration, and the call shared by the column functions."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import Any

import polars as pl
from polars.plugins import register_plugin_function

from polars_gradient._checks import IntoExpr, IntoKeys, _check_spacing, _per_ns, _to_expr, _to_keys
from polars_gradient._over import GradientExpr
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


# The plugin's entry point for each function: those with one value per row share one
# (the kwargs say which function was called).
_ENTRY = {
    "gradient": "differentiate",
    "derivative": "differentiate",
    "savgol": "differentiate",
    "cumulative_trapezoid": "differentiate",
    **dict.fromkeys(
        (
            "rate",
            "increase",
            "delta",
            "irate",
            "idelta",
            "deriv",
            "predict_linear",
            "resets",
            "changes",
        ),
        "differentiate",
    ),
}


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
        _ENTRY.get(name, name),
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
