"""Polars' serialized plan read in one place: its node spellings, which expressions are row-wise.

An expression is *row-wise* when each output row depends only on the same row of
the columns it reads: columns, scalar literals, arithmetic, casts, ``when/then``,
and a listed set of element-wise functions (``abs``, ``log``, ``dt.*``,
``fill_null(value)`` ...). Such an expression gives the same values whether it is
evaluated over the whole frame or within each group, which is what lets
``.over(keys)`` become ``partition_by=keys`` without changing a number, and what
``derivative_of`` needs of ``f``.

The answer comes from ``Expr.meta.serialize(format="json")`` (the same tree in
Polars 1.25 and 2.1, up to spellings handled below). Anything not listed, such as
an aggregation (``y / y.max()``), a window function (``cum_sum``, ``shift``,
``rank``), ``sort``, ``pl.len()``, a literal Series or a nested ``.over``, is not
row-wise. ``meta.is_row_separable()`` is not used: it calls ``y / y.max()``
separable, and older Polars lacks it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import polars as pl

# Functions whose output row i reads row i of each input only. A namespace name
# ("Trigonometry") admits all of its members; ("Boolean", "IsNull") one member.
_ROW_WISE_FUNCTIONS = frozenset(
    {
        "Abs",
        "Negate",
        "Log",
        "Log1p",
        "Exp",
        "Pow",
        "Trigonometry",
        "Round",
        "RoundSF",
        "Floor",
        "Ceil",
        "Clip",
        "Sign",
        "FillNull",
        "Coalesce",
        "MaxHorizontal",
        "MinHorizontal",
        "SumHorizontal",
        "MeanHorizontal",
        "Replace",
        "ReplaceStrict",
        "ToPhysical",
        "TemporalExpr",
        ("Boolean", "IsNull"),
        ("Boolean", "IsNotNull"),
        ("Boolean", "IsNan"),
        ("Boolean", "IsNotNan"),
        ("Boolean", "IsFinite"),
        ("Boolean", "IsInfinite"),
        ("Boolean", "Not"),
        ("Boolean", "IsBetween"),
        ("Boolean", "IsIn"),
        ("StructExpr", "FieldByName"),
    }
)

# Nodes that pass their one input through unchanged in shape.
_WRAPPERS = frozenset({"Alias", "KeepName", "RenameAlias"})

# Column references (Polars 1.x spells some of them without a Selector).
_COLUMNS = frozenset({"Column", "Columns", "Selector", "Wildcard", "Nth", "DtypeColumn", "Exclude"})

# Every kind of node this module knows, in the plans of Polars 1.25 to 2.1. A node of
# another kind comes from a Polars version this module has not seen: nothing about it
# is assumed (it is not row-wise), and `unknown_node` names it.
_KNOWN_NODES = (
    _COLUMNS
    | _WRAPPERS
    | frozenset(
        {
            "Literal",
            "Cast",
            "BinaryExpr",
            "Ternary",
            "Function",
            "AnonymousFunction",
            "Agg",
            "Over",
            "Window",
            "Rolling",
            "Sort",
            "SortBy",
            "Gather",
            "Filter",
            "Slice",
            "Explode",
            "Len",
            "Eval",
            "StructEval",
            "Element",
            "Field",
            "SubPlan",
            "DataTypeFunction",
        }
    )
)


class UnknownNode(Exception):
    """A node of a kind this module does not know (another Polars version's plan)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


# The compiled plugin functions of this package that act row by row, and where it lives.
_OWN_ROW_WISE = frozenset({"as_float", "reduce", "richardson", "gradient_horizontal"})
_OWN_LIBRARY = Path(__file__).resolve().parent


def _tree(expr: pl.Expr) -> Any | None:
    """The expression's plan as JSON, or ``None`` where Polars cannot serialize it."""
    try:
        return json.loads(expr.meta.serialize(format="json"))
    except Exception:  # a Python function or an opaque node: cannot be inspected
        return None


def _kind(node: Any) -> tuple[str, Any]:
    """A node's variant name and its payload (``"Len"`` is a bare string)."""
    if isinstance(node, str):
        return node, None
    if isinstance(node, dict) and len(node) == 1:
        ((key, value),) = node.items()
        return str(key), value
    return "", node


def _function_is_row_wise(function: Any) -> bool:
    name, payload = _kind(function)
    if name in _ROW_WISE_FUNCTIONS:
        return True
    if name == "FfiPlugin":
        return own_symbol(function) in _OWN_ROW_WISE
    inner, _ = _kind(payload)
    return (name, inner) in _ROW_WISE_FUNCTIONS


def own_symbol(function: Any) -> str | None:
    """The name of this package's plugin function behind a ``Function`` node's
    ``function``, or ``None`` for anything else."""
    name, payload = _kind(function)
    if name != "FfiPlugin" or not isinstance(payload, dict):
        return None
    # Another package's plugin of the same name proves nothing. Polars keeps
    # the library's path relative to sys.prefix unless it was registered absolute.
    lib = Path(sys.prefix) / str(payload.get("lib", ""))
    return str(payload.get("symbol")) if lib.resolve().parent == _OWN_LIBRARY else None


def _any(node: Any, test: Callable[[str, Any], bool]) -> bool:
    """Whether ``test(key, value)`` holds for some key of some object in the tree
    (a bare string node counts as a key with no value)."""
    if isinstance(node, dict):
        return any(test(k, v) or _any(v, test) for k, v in node.items())
    if isinstance(node, list):
        return any(_any(v, test) for v in node)
    return isinstance(node, str) and test(node, None)


def _reads(node: Any, names: Collection[str]) -> bool:
    """Whether ``node`` reads one of the columns ``names``."""
    return _any(node, lambda k, v: k == "Column" and v in names)


def _has_column(node: Any) -> bool:
    """Whether ``node`` reads any column (by name, selector or wildcard)."""
    return _any(node, lambda k, v: k in _COLUMNS)


def leaf(node: Any) -> bool | None:
    """For a leaf of the tree, whether it is row-wise: a column reference or a scalar
    literal is, a literal Series (or a range, which has rows of its own) is not;
    ``None`` for a node that is not a leaf."""
    kind, value = _kind(node)
    if kind in _COLUMNS:
        return True
    if kind == "Literal":
        lit, _ = _kind(value)
        return lit not in ("Series", "Range")
    return None


def operands(node: Any) -> list[Any] | None:
    """The sub-expressions of a node that combines them row by row (a wrapper, a cast,
    arithmetic, ``when/then``), or of a function (its inputs: the function itself is
    the caller's to judge); ``None`` for any other node."""
    kind, value = _kind(node)
    if kind in _WRAPPERS:
        return [value[0] if isinstance(value, list) else value]
    if kind == "Cast":
        return [value["expr"]]
    if kind == "BinaryExpr":
        return [value["left"], value["right"]]
    if kind == "Ternary":
        return [value[k] for k in ("predicate", "truthy", "falsy")]
    if kind == "Function":
        return list(value["input"])
    return None


def window(node: Any) -> tuple[Any, list[Any], str] | None:
    """A window node (``Over`` in Polars 2, ``Window`` in 1.x): its function, keys and
    mapping strategy; ``None`` for any other node."""
    kind, value = _kind(node)
    if kind == "Over":
        return value["function"], value["partition_by"], str(value.get("mapping"))
    if kind == "Window":
        options = value.get("options")
        mapping = options.get("Over") if isinstance(options, dict) else None
        return value["function"], value["partition_by"], str(mapping)
    return None


def _row_wise(node: Any, through: Collection[str] | None) -> bool:
    if through is not None and not _reads(node, through):
        # Does not depend on the variables: a constant as far as they go.
        return True
    is_leaf = leaf(node)
    if is_leaf is not None:
        return is_leaf
    kind, value = _kind(node)
    if kind not in _KNOWN_NODES:
        raise UnknownNode(kind)
    if kind == "Function" and not _function_is_row_wise(value["function"]):
        return False
    # Aggregations, windows, sorts, gathers, filters, slices, explode, pl.len(),
    # Python functions, and anything this list does not know have no operands here.
    parts = operands(node)
    return parts is not None and all(_row_wise(p, through) for p in parts)


def is_row_wise(expr: pl.Expr, *, through: Collection[str] | None = None) -> bool | None:
    """Whether ``expr`` provably acts row by row.

    ``True``: every output row depends only on the same row of the columns read,
    and the expression reads at least one column (a bare literal has no rows of
    its own). ``False``: it is not, or this module cannot prove it. ``None``: Polars
    cannot serialize it (a Python function inside), so nothing can be said.

    With ``through``, only the parts that read one of those columns must be
    row-wise: ``x * pl.col("a").mean()`` is row-wise through ``x``.
    """
    try:
        return _verdict(expr, through)
    except UnknownNode:
        return False


def unknown_node(expr: pl.Expr, *, through: Collection[str] | None = None) -> str | None:
    """The kind of the node this module does not know that stops it from deciding
    whether ``expr`` is row-wise, or ``None`` (it decided, or cannot inspect ``expr``)."""
    try:
        _verdict(expr, through)
    except UnknownNode as e:
        return e.kind
    return None


def _verdict(expr: pl.Expr, through: Collection[str] | None) -> bool | None:
    tree = _tree(expr)
    if tree is None:
        return None
    if through is None and not _has_column(tree):
        return False
    try:
        return _row_wise(tree, through)
    except (KeyError, TypeError, IndexError, AttributeError) as e:
        # A node of a known kind in a shape this module does not know.
        raise UnknownNode(f"{_kind(tree)[0]} (an unknown shape)") from e
