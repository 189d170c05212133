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


# Polars runs an elementwise function on imploded groups (inside group_by().agg() and
# .over()) from 1.28 on; before, implode is not a scalar there, or not allowed in .over.
_PLUGIN_ON_IMPLODED = tuple(int(p) for p in pl.__version__.split(".")[:2]) >= (1, 28)


def _kwargs(
    name: str,
    x: IntoExpr | None,
    spacing: float | None,
    per: str | dt.timedelta | None,
    ignore_nulls: bool,
    n_keys: int,
    method: dict[str, Any],
) -> dict[str, Any]:
    """The checked kwargs every column function sends (a ``DerivativeKwargs`` in Rust)."""
    if not isinstance(ignore_nulls, bool):
        raise TypeError(f"{name}: ignore_nulls must be True or False, got {ignore_nulls!r}")
    if per is not None and x is None:
        raise ValueError(f"{name}: per is only for a temporal x, and no x was given")
    if x is not None and spacing is not None:
        raise ValueError(f"{name}: give either x or spacing, not both")
    step = 1.0 if spacing is None or x is not None else _check_spacing(spacing, name)
    return {
        # The function called, with its method's parameters (a tagged enum in Rust).
        "called": {"function": name, **method},
        "spacing": step,
        "has_x": x is not None,
        "n_keys": n_keys,
        "ignore_nulls": ignore_nulls,
        "per_ns": None if per is None else _per_ns(per, name),
    }


def _inputs(name: str, y: IntoExpr, x: IntoExpr | None) -> list[pl.Expr]:
    """``y``, and ``x`` when given, as expressions (the plugin's first inputs)."""
    return [_to_expr(y, f"{name}: y")] + ([] if x is None else [_to_expr(x, f"{name}: x")])


def _plugin(
    name: str,
    y: IntoExpr,
    x: IntoExpr | None,
    spacing: float | None,
    per: str | dt.timedelta | None,
    ignore_nulls: bool,
    partition_by: IntoKeys | None,
    method: dict[str, Any],
) -> pl.Expr:
    """The plugin call shared by the functions with one value per row (``gradient``,
    ``derivative``, ``savgol``, ``cumulative_trapezoid``, the windowed rate family):
    checks and kwargs. ``name`` is the function."""
    keys = [] if partition_by is None else _to_keys(partition_by, name)
    kwargs = _kwargs(name, x, spacing, per, ignore_nulls, len(keys), method)
    args = _inputs(name, y, x)
    # One entry point for all of them: the kwargs name the function.
    expr = _register("differentiate", [*args, *keys], kwargs, is_elementwise=False)
    if keys:
        return expr
    # `.over(keys)` on the result may become this same call with partition_by=keys:
    # only where that provably gives Polars' own values (see GradientExpr).
    if all(is_row_wise(e) for e in args):  # y, and x when given
        return GradientExpr._wrap(
            expr,
            lambda keys: _plugin(name, y, x, spacing, per, ignore_nulls, keys, method),
        )
    return expr


def _reduction(
    name: str,
    y: IntoExpr,
    x: IntoExpr | None,
    spacing: float | None,
    per: str | dt.timedelta | None,
    ignore_nulls: bool,
    method: dict[str, Any],
) -> pl.Expr:
    """One value per series or group (``trapezoid``, the rate family with ``window=None``):
    ``y`` and ``x`` imploded, through the plugin's ``reduce``, elementwise over the
    imploded rows. Inside ``group_by().agg()`` Polars implodes each group at almost no
    cost and calls ``reduce`` once for every group together (a plugin call per group
    costs some microseconds). A List or Array ``y`` gives, per series or group, the
    List of its rows' values (``.explode()`` gives one per row)."""
    kwargs = _kwargs(name, x, spacing, per, ignore_nulls, 0, method)
    args = _inputs(name, y, x)
    if not _PLUGIN_ON_IMPLODED:
        # One call per group; the plugin implodes its inputs itself (the same values).
        kwargs["implode"] = True
        return _register("reduce", args, kwargs, is_elementwise=False, returns_scalar=True)
    return _register("reduce", [a.implode() for a in args], kwargs, is_elementwise=True)
