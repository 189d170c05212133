"""One plan for running ``with_columns`` on pieces of the data: checked once, applied per piece.

Shared by ``polars_gradient.dask``, ``polars_gradient.spark`` and ``sink_parquet``: the
arguments are checked when the plan is made (``ValueError``/``TypeError``, before any
engine runs), and ``apply`` runs on one piece holding every row of some keys: rows put
in order (``order_by``, or the input's order carried in ``ROW``), then ``with_columns``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from . import _scope

# The column that carries the input's row order through an engine that loses it.
ROW = "__polars_gradient_row"


def names(value: str | Sequence[str] | None, what: str, where: str) -> list[str]:
    """Column names from a name or a sequence of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{where}: {what} must be a column name or a list of names, got {value!r}")


class Plan:
    """``with_columns(*exprs, **named_exprs)`` per key of ``by``, rows ordered by
    ``order_by`` within each key, ties (and everything, without ``order_by``) in the
    input's order, carried in ``ROW``."""

    def __init__(
        self,
        where: str,
        columns: Iterable[str],
        exprs: Sequence[Any],
        named_exprs: Mapping[str, Any],
        by: str | Sequence[str] | None,
        order_by: str | Sequence[str] | None,
        *,
        need_by: bool = True,
    ) -> None:
        self.where = where
        self.by = names(by, "by", where)
        self.order_by = names(order_by, "order_by", where)
        if need_by and not self.by:
            raise ValueError(f"{where}: by= is required (the keys the expressions work within)")
        columns = list(columns)
        missing = [c for c in [*self.by, *self.order_by] if c not in columns]
        if missing:
            raise ValueError(f"{where}: no column {missing[0]!r}; the columns are {columns}")
        reserved = [c for c in columns if c.startswith(ROW)]
        if reserved:
            raise ValueError(
                f"{where}: column names starting with {ROW!r} are reserved; got {reserved[0]!r}"
            )
        self.exprs = [self._expr(e) for e in exprs]
        self.exprs += [self._expr(e).alias(n) for n, e in named_exprs.items()]
        if not self.exprs:
            raise ValueError(f"{where}: no expressions given")
        if self.by:
            _scope.per_key(self.exprs, self.by, where)

    def _expr(self, e: Any) -> pl.Expr:
        if isinstance(e, str):
            return pl.col(e)
        if isinstance(e, pl.Expr):
            return e
        raise TypeError(f"{self.where}: expressions must be Polars expressions, got {e!r}")

    @property
    def key(self) -> pl.Expr:
        """The key of a row as one expression: the ``by`` column, or a struct of them."""
        return pl.col(self.by[0]) if len(self.by) == 1 else pl.struct(self.by)

    @property
    def sort_by(self) -> list[str]:
        """What rows are ordered by within a piece: each key's rows come in this order
        (the keys themselves need not be together: the expressions group them)."""
        return [*self.order_by, ROW]

    def apply(self, df: pl.DataFrame) -> pl.DataFrame:
        """The expressions on one piece: whole keys, in any row order."""
        sort_by = [c for c in self.sort_by if c in df.columns]
        # Engines often hand the rows over in order already: then a check is enough.
        if sort_by and not (sort_by == [ROW] and df[ROW].is_sorted()):
            df = df.sort(sort_by, maintain_order=True, nulls_last=False)
        out = df.with_columns(*self.exprs)
        if ROW in out.columns:
            out = out.drop(ROW)
        return out

    def output_schema(self, schema: pl.Schema | Mapping[str, Any]) -> pl.Schema:
        """The result's schema for an input of ``schema`` (the expressions on no rows)."""
        return self.apply(pl.DataFrame(schema=schema)).schema
