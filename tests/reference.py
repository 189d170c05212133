"""The oracle: numpy.gradient, with the null rule of the spec applied on top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Optional, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from polars_gradient import GradientNamespace

Values = Sequence[Optional[float]]


def np_gradient(f: Any, *varargs: Any, edge_order: int = 1) -> npt.NDArray[np.float64]:
    """``numpy.gradient`` of a 1-d array, as a float64 array (typed for mypy)."""
    assert edge_order in (1, 2)
    out = np.gradient(f, *varargs, edge_order=cast(Literal[1, 2], edge_order))
    return np.asarray(out, dtype=np.float64)


def stencil(i: int, n: int, edge_order: int) -> range:
    """Rows numpy's formula reads for output row i."""
    if i == 0:
        return range(0, edge_order + 1)
    if i == n - 1:
        return range(n - 1 - edge_order, n)
    return range(i - 1, i + 2)


def ref_gradient(
    y: Values,
    x: Values | None = None,
    spacing: float = 1.0,
    edge_order: int = 1,
) -> list[float | None]:
    """numpy.gradient of y (over x or spacing); null where the stencil reads a null."""
    n = len(y)
    if n < edge_order + 1:
        return [None] * n
    valid = [y[i] is not None and (x is None or x[i] is not None) for i in range(n)]
    yf = np.array([0.0 if v is None else v for v in y], dtype=np.float64)
    with np.errstate(all="ignore"):
        if x is None:
            g = np_gradient(yf, spacing, edge_order=edge_order)
        else:
            # Null coordinates become NaN; every output that reads one is masked.
            xf = np.array([np.nan if v is None else v for v in x], dtype=np.float64)
            g = np_gradient(yf, xf, edge_order=edge_order)
    return [
        float(g[i]) if all(valid[j] for j in stencil(i, n, edge_order)) else None for i in range(n)
    ]


def assert_close(
    got: Sequence[float | None],
    want: Sequence[float | None],
    rtol: float = 1e-12,
    atol: float = 0.0,
) -> None:
    """Nulls in the same places; values equal to rtol (NaN equals NaN, inf equals inf)."""
    assert len(got) == len(want), (len(got), len(want))
    assert [v is None for v in got] == [v is None for v in want], (got, want)
    g = np.array([np.nan if v is None else v for v in got], dtype=np.float64)
    w = np.array([np.nan if v is None else v for v in want], dtype=np.float64)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)


def ref_gradient_skipping_nulls(
    y: Values,
    x: Values | None = None,
    spacing: float = 1.0,
    edge_order: int = 1,
) -> list[float | None]:
    """ignore_nulls=True: numpy.gradient over the rows whose y and x are both non-null,
    at their coordinates (without x: row position times spacing); those rows null."""
    n = len(y)
    keep = [i for i in range(n) if y[i] is not None and (x is None or x[i] is not None)]
    out: list[float | None] = [None] * n
    if len(keep) < edge_order + 1:
        return out
    yf = np.array([y[i] for i in keep], dtype=np.float64)
    if x is None:
        xf = np.array(keep, dtype=np.float64) * spacing
    else:
        xf = np.array([x[i] for i in keep], dtype=np.float64)
    with np.errstate(all="ignore"):
        g = np_gradient(yf, xf, edge_order=edge_order)
    for i, v in zip(keep, g):
        out[i] = float(v)
    return out


def ref_per_group(
    df: pl.DataFrame, keys: list[str], edge_order: int, with_x: bool
) -> list[float | None]:
    """numpy per group of `keys` (nulls a group of their own), in row order."""
    out: list[float | None] = [None] * df.height
    rows = df.with_row_index("_row")
    for _, part in rows.group_by(keys, maintain_order=True):
        y = part["y"].to_list()
        x = part["x"].to_list() if with_x else None
        for i, v in zip(part["_row"].to_list(), ref_gradient(y, x, 1.0, edge_order)):
            out[i] = v
    return out


def collect(lf: pl.LazyFrame, engine: str) -> pl.DataFrame:
    """``lf.collect(engine=...)`` with today's engine names ("in-memory", "streaming"), on
    the Polars versions that name them otherwise too (1.x: ``streaming=True``)."""
    collect: Any = lf.collect  # its keywords differ between Polars versions
    try:
        out = collect(engine=engine)
    except (ValueError, TypeError):
        out = collect(streaming=engine == "streaming")
    assert isinstance(out, pl.DataFrame)
    return out


def grad(expr: pl.Expr) -> GradientNamespace:
    """``expr.grad``, typed: mypy cannot see a namespace registered at run time."""
    namespace = expr.grad  # type: ignore[attr-defined]
    assert isinstance(namespace, GradientNamespace)
    return namespace
