"""pl.col(...).grad.gradient against numpy.gradient: examples, properties, dtypes, nulls."""

from __future__ import annotations

import decimal
from typing import Any

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from hypothesis import assume, given, settings
from reference import assert_close, grad, np_gradient, ref_gradient

import polars_gradient as pg

Y = [1, 2, 4, 7, 11, 16]
X = [2, 1, 5, 10, 11, 15]

INT_DTYPES = [
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
]
NUMERIC_DTYPES = [*INT_DTYPES, pl.Float32, pl.Float64, pl.Decimal(20, 3)]


def values_of(df: pl.DataFrame, expr: pl.Expr) -> list[float | None]:
    return df.select(expr).to_series().to_list()


# --- the README's worked examples --------------------------------------------------------


def test_readme_unit_spacing() -> None:
    df = pl.DataFrame({"y": Y})
    assert values_of(df, grad(pl.col("y")).gradient()) == [1, 1.5, 2.5, 3.5, 4.5, 5]
    assert values_of(df, grad(pl.col("y")).gradient(edge_order=2)) == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]
    assert np_gradient(Y).tolist() == [1, 1.5, 2.5, 3.5, 4.5, 5]


def test_readme_spacing() -> None:
    df = pl.DataFrame({"y": Y})
    got = values_of(df, grad(pl.col("y")).gradient(spacing=2))
    assert got == [0.5, 0.75, 1.25, 1.75, 2.25, 2.5]
    assert got == np_gradient(Y, 2).tolist()


@pytest.mark.parametrize("edge_order", [1, 2])
def test_readme_coordinates(edge_order: int) -> None:
    df = pl.DataFrame({"y": Y, "x": X})
    got = values_of(df, grad(pl.col("y")).gradient(x="x", edge_order=edge_order))
    assert_close(got, np_gradient(Y, X, edge_order=edge_order).tolist())
    if edge_order == 1:
        assert_close(got, [-1, -1.5, 0.5444444444444444, 3.4333333333333336, 3.45, 1.25])


def test_readme_all_columns_is_axis_0() -> None:
    df = pl.DataFrame({"a": [10, 40], "b": [20, 50], "c": [30, 60]})
    out = df.select(grad(pl.all()).gradient())
    assert out.columns == ["a", "b", "c"]
    assert out.to_numpy().tolist() == np.gradient(df.to_numpy(), axis=0).tolist()
    assert out.to_numpy().tolist() == [[30.0, 30.0, 30.0], [30.0, 30.0, 30.0]]


def test_function_form_and_namespace_agree() -> None:
    df = pl.DataFrame({"y": Y, "x": X})
    a = df.select(pg.gradient("y", x="x", edge_order=2))
    b = df.select(grad(pl.col("y")).gradient(pl.col("x"), edge_order=2))
    assert a.equals(b)
    assert a.columns == ["y"]


def test_expression_inputs() -> None:
    df = pl.DataFrame({"y": Y, "x": X})
    got = values_of(df, grad(pl.col("y") * 2).gradient(x=pl.col("x") / 2))
    assert_close(got, np_gradient(np.array(Y) * 2, np.array(X) / 2).tolist())


# --- properties against numpy ------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def series_case(
    draw: st.DrawFn, with_nulls: bool
) -> tuple[list[Any], list[Any] | None, float, int]:
    n = draw(st.integers(0, 30))
    value = st.one_of(st.none(), finite) if with_nulls else finite
    y = draw(st.lists(value, min_size=n, max_size=n))
    edge_order = draw(st.sampled_from([1, 2]))
    kind = draw(st.sampled_from(["uniform", "sorted", "unsorted"]))
    spacing = 1.0
    x = None
    if kind == "uniform":
        spacing = draw(st.sampled_from([1.0, -0.5, 3.0, 1e-3, 250.0]))
    else:
        steps = draw(
            st.lists(st.floats(0.01, 100.0), min_size=n, max_size=n)
            if kind == "sorted"
            else st.lists(
                st.floats(0.01, 100.0).flatmap(lambda v: st.sampled_from([v, -v])),
                min_size=n,
                max_size=n,
            )
        )
        x = list(np.cumsum(steps).tolist())
        if with_nulls and n:
            holes = draw(st.lists(st.integers(0, n - 1), max_size=3))
            for h in holes:
                x[h] = None
    return y, x, spacing, edge_order


def _atol(y: list[Any], x: list[Any] | None, spacing: float) -> float:
    """Absolute slack for rounding: eps-level times the largest weights the formulas use."""
    ymax = max([abs(v) for v in y if v is not None], default=0.0)
    if x is None:
        return 1e-12 * ymax * 2 / abs(spacing)
    weight = 0.0
    for x0, x1, x2 in zip(x, x[1:], x[2:]):
        if None in (x0, x1, x2):
            continue
        d1, d2 = x1 - x0, x2 - x1
        # Bounds the magnitudes of numpy's interior and second-order edge weights.
        s = d1 + d2
        weight = max(weight, 2 / abs(d1) + 2 / abs(d2) + 2 / abs(s) + abs(d2 - d1) / abs(d1 * d2))
    for x0, x1 in zip(x, x[1:]):
        if None not in (x0, x1):
            weight = max(weight, 2 / abs(x1 - x0))
    return 1e-12 * ymax * weight


def _no_zero_steps(x: list[Any] | None) -> bool:
    """Coordinates where no step and no sum of two adjacent steps is zero (numpy: inf/NaN)."""
    if x is None:
        return True
    for x0, x1, x2 in zip(x, x[1:], x[2:]):
        if None in (x0, x1, x2):
            continue
        d1, d2 = x1 - x0, x2 - x1  # as the formula forms them
        if d1 == 0 or d2 == 0 or d1 + d2 == 0:
            return False
    return True


@settings(max_examples=600, deadline=None)
@given(st.booleans().flatmap(lambda nulls: series_case(with_nulls=nulls)))
def test_matches_numpy_and_nulls_follow_the_stencil(case: tuple[Any, ...]) -> None:
    y, x, spacing, edge_order = case
    assume(_no_zero_steps(x))
    df = pl.DataFrame({"y": y, "x": x}, schema={"y": pl.Float64, "x": pl.Float64})
    if x is None:
        expr = grad(pl.col("y")).gradient(spacing=spacing, edge_order=edge_order)
    else:
        expr = grad(pl.col("y")).gradient(x="x", edge_order=edge_order)
    want = ref_gradient(y, x, spacing, edge_order)
    assert_close(values_of(df, expr), want, atol=_atol(y, x, spacing))


def _values_for(dtype: pl.DataType, n: int, rng: np.random.Generator) -> list[Any]:
    if dtype.is_integer():
        info = np.iinfo(str(dtype).lower())
        lo, hi = max(info.min, -(2**40)), min(info.max, 2**40)
        return list(rng.integers(lo, hi, size=n, endpoint=True).tolist())
    if isinstance(dtype, pl.Decimal):
        return [decimal.Decimal(int(v)) / 1000 for v in rng.integers(-(10**9), 10**9, size=n)]
    return list((rng.standard_normal(n) * 100).tolist())


@pytest.mark.parametrize("y_dtype", NUMERIC_DTYPES, ids=str)
@pytest.mark.parametrize("x_dtype", [None, *NUMERIC_DTYPES], ids=str)
@pytest.mark.parametrize("edge_order", [1, 2])
def test_every_numeric_dtype(
    y_dtype: pl.DataType, x_dtype: pl.DataType | None, edge_order: int
) -> None:
    rng = np.random.default_rng(abs(hash((str(y_dtype), str(x_dtype), edge_order))) % 2**32)
    n = 25
    y = pl.Series("y", _values_for(y_dtype, n, rng), dtype=y_dtype)
    cols = [y]
    if x_dtype is not None:
        # Distinct, unsorted coordinates within the dtype's range.
        xs = rng.permutation(np.arange(n) * 3 + 1)[:n].tolist()
        if isinstance(x_dtype, pl.Decimal):
            xs = [decimal.Decimal(v) / 8 for v in xs]
        cols.append(pl.Series("x", xs, dtype=x_dtype))
    df = pl.DataFrame(cols)
    expr = grad(pl.col("y")).gradient(x="x" if x_dtype is not None else None, edge_order=edge_order)
    out = df.select(expr).to_series()

    f32 = y_dtype == pl.Float32 and x_dtype in (None, pl.Float32)
    assert out.dtype == (pl.Float32 if f32 else pl.Float64)
    assert out.name == "y" and len(out) == n
    yv = df["y"].cast(pl.Float64).to_numpy()
    want = (
        np_gradient(yv, edge_order=edge_order)
        if x_dtype is None
        else np_gradient(yv, df["x"].cast(pl.Float64).to_numpy(), edge_order=edge_order)
    )
    scale = np.abs(yv).max()
    if f32:
        np.testing.assert_allclose(out.to_numpy(), want, rtol=1e-6, atol=1e-6 * scale)
    else:
        np.testing.assert_allclose(out.to_numpy(), want, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_integers_near_their_limits_do_not_overflow(dtype: pl.DataType) -> None:
    info = np.iinfo(str(dtype).lower())
    y = [info.max, info.min, info.max, info.max - 1, info.min]
    got = values_of(pl.DataFrame({"y": pl.Series(y, dtype=dtype)}), grad(pl.col("y")).gradient())
    want = np_gradient(np.array(y, dtype=np.float64)).tolist()
    assert_close(got, want)
    # As coordinates at both ends of the range: differenced exactly, no wrap-around.
    for xs in (
        [info.min, info.min + 1, info.min + 3, info.min + 6],
        [info.max - 6, info.max - 3, info.max - 1, info.max],
    ):
        df = pl.DataFrame({"y": [0.0, 1.0, 5.0, 2.0], "x": pl.Series(xs, dtype=dtype)})
        got = values_of(df, grad(pl.col("y")).gradient(x="x", edge_order=2))
        shifted = np.array([v - xs[0] for v in xs], dtype=np.float64)  # exact small ints
        assert_close(got, np_gradient(df["y"].to_numpy(), shifted, edge_order=2).tolist())


def test_uint64_near_2_64() -> None:
    y = [2**64 - 1, 2**64 - 3, 2**64 - 100, 0]
    got = values_of(
        pl.DataFrame({"y": pl.Series(y, dtype=pl.UInt64)}), grad(pl.col("y")).gradient()
    )
    assert_close(got, np_gradient(np.array(y, dtype=np.uint64)).tolist())


def test_int64_coordinates_are_exact() -> None:
    # Nanosecond epochs one step apart: float64 coordinates would round them together.
    base = 1_790_000_000_000_000_000
    df = pl.DataFrame({"y": [0.0, 1.0, 3.0], "x": [base, base + 1, base + 2]})
    assert values_of(df, grad(pl.col("y")).gradient(x="x")) == [1.0, 1.5, 2.0]
    df = pl.DataFrame({"y": [0.0, 1.0], "x": [-1, 2**63 - 1]})
    got = values_of(df, grad(pl.col("y")).gradient(x="x"))
    assert got == np_gradient([0.0, 1.0], np.array([-1, 2**63 - 1])).tolist()


def test_float32_stays_float32() -> None:
    df = pl.DataFrame(
        {"y": pl.Series([1, 2, 4], dtype=pl.Float32), "x": pl.Series([0, 1, 3], dtype=pl.Float32)}
    )
    assert df.select(grad(pl.col("y")).gradient()).dtypes == [pl.Float32]
    assert df.select(grad(pl.col("y")).gradient(x="x")).dtypes == [pl.Float32]
    assert df.select(grad(pl.col("y")).gradient(x=pl.col("x").cast(pl.Int64))).dtypes == [
        pl.Float64
    ]
    assert df.select(grad(pl.col("y").cast(pl.Int32)).gradient(x="x")).dtypes == [pl.Float64]


# --- short series, empties, IEEE ---------------------------------------------------------


@pytest.mark.parametrize(("n", "edge_order"), [(0, 1), (1, 1), (0, 2), (1, 2), (2, 2)])
def test_short_series_give_nulls(n: int, edge_order: int) -> None:
    df = pl.DataFrame(
        {"y": list(range(n)), "x": list(range(n))}, schema={"y": pl.Int64, "x": pl.Int64}
    )
    for expr in (
        grad(pl.col("y")).gradient(edge_order=edge_order),
        grad(pl.col("y")).gradient(x="x", edge_order=edge_order),
    ):
        out = df.select(expr).to_series()
        assert out.dtype == pl.Float64
        assert out.to_list() == [None] * n


def test_empty_float32_frame() -> None:
    df = pl.DataFrame({"y": []}, schema={"y": pl.Float32})
    out = df.select(grad(pl.col("y")).gradient()).to_series()
    assert out.dtype == pl.Float32 and len(out) == 0


def test_all_null_columns() -> None:
    df = pl.DataFrame({"y": [None, None, None], "x": [1.0, 2.0, 3.0]})
    assert df["y"].dtype == pl.Null
    out = df.select(grad(pl.col("y")).gradient(x="x")).to_series()
    assert out.dtype == pl.Float64 and out.to_list() == [None, None, None]
    df = pl.DataFrame({"y": [1.0, 2.0, None]})
    assert values_of(df, grad(pl.col("y")).gradient()) == [1.0, None, None]


def test_nan_and_inf_propagate_like_numpy() -> None:
    y = [1.0, float("nan"), 3.0, float("inf"), 5.0, 6.0, 7.0]
    for edge_order in (1, 2):
        got = values_of(pl.DataFrame({"y": y}), grad(pl.col("y")).gradient(edge_order=edge_order))
        with np.errstate(all="ignore"):
            want = np_gradient(np.array(y), edge_order=edge_order).tolist()
        assert_close(got, want)


def test_duplicate_coordinates_give_ieee() -> None:
    df = pl.DataFrame({"y": [1.0, 2.0, 3.0, 5.0], "x": [0.0, 0.0, 1.0, 2.0]})
    got = values_of(df, grad(pl.col("y")).gradient(x="x"))
    with np.errstate(all="ignore"):
        want = np_gradient(df["y"].to_numpy(), df["x"].to_numpy()).tolist()
    assert_close(got, want)
    assert got[0] == np.inf and got[1] is not None and np.isnan(got[1])
