"""What rows an expression reads: per key of ``by``, or within a halo of rows, read from the plan.

The routes beyond one machine (``dask``, ``spark``, ``sink_parquet``) run an expression
on a piece of the data: every row of some keys, or a stretch of one series. The result is
the single-machine one only when the expression reads nothing outside that piece:

- ``per_key``: every part of the expression acts row by row (``_rowwise``) or is computed
  within groups of ``by`` (``.over(by...)``, ``partition_by=by...``, with ``by``'s columns
  among the keys; finer groups are fine, coarser ones or none are not).
- ``halo``: on one ordered series, how many rows on each side an output row may read:
  row-wise parts read none, a stencil (``gradient``, ``derivative``, a count ``savgol``)
  its reach plus that of its inputs. Windows without a bound in rows (a width ``savgol``,
  the integrals, any other window function) have none.
"""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Sequence
from typing import Any

import polars as pl

from . import _rowwise
from ._internal import stencil_window


class NotPerKey(ValueError):
    """An expression reads rows outside its key (or outside any bounded halo)."""


def _plugin(function: Any) -> tuple[str, dict[str, Any]] | None:
    """This package's plugin behind a ``Function`` node: its name and kwargs."""
    symbol = _rowwise.own_symbol(function)
    if symbol is None:
        return None
    kwargs = _rowwise._kind(function)[1].get("kwargs") or []
    try:
        loaded = _PlainUnpickler(io.BytesIO(bytes(kwargs))).load() if kwargs else {}
    except Exception:  # kwargs this version did not write, or not plain data
        loaded = {}
    loaded = loaded if isinstance(loaded, dict) else {}
    # The function called (one entry point serves several: the kwargs name it).
    called = loaded.get("called")
    if isinstance(called, dict) and isinstance(called.get("function"), str):
        # The rate family's functions share one tag; its kind names the function.
        kind = called.get("kind")
        symbol = kind if isinstance(kind, str) else called["function"]
    return symbol, loaded


class _PlainUnpickler(pickle.Unpickler):
    """Reads a plan's plugin kwargs as plain data only: a plan is untrusted input, and
    our kwargs are dicts, lists, strings, numbers, booleans and None, which need no
    class. Any class or function reference is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused: {module}.{name} in a plan's kwargs")


def _covers(keys: Sequence[Any], by: Sequence[str]) -> bool:
    """Whether the group keys ``keys`` include each column of ``by`` as itself, so that
    each of their groups lies within one key of ``by``; the other keys must be row-wise."""
    bare = {v for k, v in map(_rowwise._kind, keys) if k == "Column"}
    return set(by) <= bare and all(_rowwise._row_wise(k, None) for k in keys)


def _why_not_per_key(node: Any, by: Sequence[str]) -> str | None:
    over = _rowwise.window(node)
    if over is not None:
        _, keys, mapping = over
        if "GroupsToRows" not in mapping:
            return "a window with mapping_strategy other than 'group_to_rows'"
        if not _covers(keys, by):
            return "a window (.over) whose keys do not include every column of by"
        return None  # all inside is computed within one key
    is_leaf = _rowwise.leaf(node)
    if is_leaf is not None:
        return None if is_leaf else "a literal Series"
    kind, value = _rowwise._kind(node)
    if kind not in _rowwise._KNOWN_NODES:
        return _unknown(kind)
    parts = _rowwise.operands(node)
    if parts is None:
        return f"{kind or 'this expression'}, which reads rows of other keys"
    if kind == "Function":
        own = _plugin(value["function"])
        if own is not None and own[1].get("n_keys"):
            n = int(own[1]["n_keys"])
            if not _covers(parts[-n:], by):
                return f"{own[0]}(partition_by=...) whose keys do not include every column of by"
            parts = parts[:-n]
        elif not _rowwise._function_is_row_wise(value["function"]):
            name = own[0] if own else _rowwise._kind(value["function"])[0]
            return f"{name} over the whole frame (not within each key of by)"
    for p in parts:
        if why := _why_not_per_key(p, by):
            return why
    return None


def per_key(exprs: Sequence[pl.Expr], by: Sequence[str], where: str) -> None:
    """Raise ``NotPerKey`` unless each expression gives, on the rows of some keys of
    ``by``, the values it gives on the whole frame."""
    for e in exprs:
        tree = _rowwise._tree(e)
        why = "a Python function, which cannot be inspected" if tree is None else None
        try:
            why = why or _why_not_per_key(tree, by)
        except _rowwise.UnknownNode as unknown:  # in the keys of a window
            why = _unknown(unknown.kind)
        if why:
            raise NotPerKey(
                f"{where}: {_name(e)} is not computed within each key of by={list(by)}: "
                f"it has {why}. "
                f"Each partition holds only some keys; use .over({', '.join(map(repr, by))}) "
                "or partition_by=by, or row-wise expressions"
            )


def _reach(name: str, kwargs: dict[str, Any]) -> int | None:
    """Rows on each side that one output row of a plugin may read (generously: its
    largest window, as the compiled stencils say); ``None`` where no count of rows
    bounds it (width windows, integrals)."""
    if name in _rowwise._OWN_ROW_WISE:
        return 0
    called = kwargs.get("called") or {}
    try:
        return stencil_window(
            name,
            edge_order=called.get("edge_order"),
            order=called.get("order"),
            accuracy=called.get("accuracy"),
            window_count=called.get("window_count"),
        )
    except (TypeError, OverflowError):  # parameters this version did not write
        return None


def _halo(node: Any, nulls: list[tuple[list[Any], int]], outer: int) -> int | None:
    is_leaf = _rowwise.leaf(node)
    if is_leaf is not None:
        return 0 if is_leaf else None
    kind, value = _rowwise._kind(node)
    if kind not in _rowwise._KNOWN_NODES:
        raise _rowwise.UnknownNode(kind)
    parts = _rowwise.operands(node)
    if parts is None:
        return None
    own = _plugin(value["function"]) if kind == "Function" else None
    if own is not None:
        if own[1].get("n_keys"):
            return None  # groups: give by=
        reach = _reach(*own)
        if reach is None:
            return None
    elif kind == "Function" and not _rowwise._function_is_row_wise(value["function"]):
        return None
    else:
        reach = 0
    inner = [_halo(p, nulls, outer + reach) for p in parts]
    if any(h is None for h in inner):
        return None
    total = reach + max([h for h in inner if h is not None], default=0)
    if reach and own is not None and own[1].get("ignore_nulls"):
        # Its neighbours are the nearest rows where its inputs are valid.
        nulls.append((parts, outer + total))
    return total


class Halo:
    """The halo of expressions on one ordered series: ``rows`` on each side, and for
    plugins that skip nulls, the inputs whose valid rows count instead of all rows."""

    def __init__(self, rows: int, valid: list[tuple[pl.Expr, int]]) -> None:
        self.rows = rows
        # (an expression true where a null-skipping stencil's inputs are all valid,
        #  how many such rows it must see on each side)
        self.valid = valid


def halo(exprs: Sequence[pl.Expr], where: str) -> Halo:
    """The ``Halo`` of ``exprs``; ``NotPerKey`` if some output row may read rows without bound."""
    rows = 0
    valid: list[tuple[pl.Expr, int]] = []
    for e in exprs:
        tree = _rowwise._tree(e)
        nulls: list[tuple[list[Any], int]] = []
        try:
            h = None if tree is None else _halo(tree, nulls, 0)
        except _rowwise.UnknownNode as unknown:
            raise NotPerKey(f"{where}: {_name(e)} has {_unknown(unknown.kind)}") from None
        if h is None:
            raise NotPerKey(
                f"{where}: {_name(e)} may read rows without bound in one series (a grouped, "
                "cumulative or width-window expression, a trailing time window (rate, deriv, "
                "...), a window function or a Python "
                "function): give by= (the keys it is computed within), or collect in memory"
            )
        rows = max(rows, h)
        for inputs, need in nulls:
            exprs_in = [_expr(i) for i in inputs]
            valid.append((pl.all_horizontal([i.is_not_null() for i in exprs_in]), need))
    return Halo(rows, valid)


def _unknown(kind: str) -> str:
    """Why a plan with a node of an unknown kind is refused: the node, named."""
    return (
        f"a node {kind!r} that this version of polars-gradient does not know (Polars "
        f"{pl.__version__}), so it cannot tell which rows the expression reads"
    )


def _name(e: pl.Expr) -> str:
    """How an error names an expression: its output name."""
    try:
        return f"the expression for {e.meta.output_name()!r}"
    except Exception:  # several outputs, or none determined
        return "an expression"


def _expr(node: Any) -> pl.Expr:
    """An expression back from its serialized tree."""
    return pl.Expr.deserialize(io.StringIO(json.dumps(node)), format="json")
