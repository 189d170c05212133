"""``.over()`` on a gradient: ``partition_by``'s one pass where it gives Polars' own values."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import polars as pl

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
            arguments: dict[str, Any]
            try:
                arguments = dict(_OVER.bind(self, *args, **kwargs).arguments)
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
