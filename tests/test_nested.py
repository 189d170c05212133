"""List and Array rows, gradients across columns, and window aggregations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from reference import assert_close, grad, np_gradient, ref_gradient, ref_gradient_skipping_nulls

import polars_gradient as pg

row = st.one_of(
    st.none(),
    st.lists(st.one_of(st.floats(-1e3, 1e3), st.none()), min_size=0, max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(row, min_size=0, max_size=8),
    st.sampled_from([1, 2]),
    st.booleans(),
    st.booleans(),
    st.integers(0, 3),
)
def test_list_rows_match_numpy_row_by_row(
    rows: list[Any], edge_order: int, with_x: bool, ignore_nulls: bool, offset: int
) -> None:
    xs = [None if r is None else [float(i * i + i) for i in range(len(r))] for r in rows]
    df = pl.DataFrame(
        {"y": rows, "x": xs}, schema={"y": pl.List(pl.Float64), "x": pl.List(pl.Float64)}
    )
    df = df.slice(min(offset, df.height))  # sliced list columns have offsets not at 0
    e = grad(pl.col("y")).gradient(
        x="x" if with_x else None, edge_order=edge_order, ignore_nulls=ignore_nulls
    )
    out = df.select(e)["y"]
    assert out.dtype == pl.List(pl.Float64)
    ref = ref_gradient_skipping_nulls if ignore_nulls else ref_gradient
    for y_row, x_row, got in zip(df["y"].to_list(), df["x"].to_list(), out.to_list()):
        if y_row is None:
            assert got is None
            continue
        assert_close(got, ref(y_row, x_row if with_x else None, 1.0, edge_order), atol=1e-9)


def test_array_rows_keep_their_width_and_float32() -> None:
    y = pl.Series(
        [[1.0, 2.0, 4.0, 7.0], None, [3.0, 5.0, 9.0, 11.0]], dtype=pl.Array(pl.Float32, 4)
    )
    df = pl.DataFrame({"y": y})
    out = df.select(grad(pl.col("y")).gradient(spacing=2.0, edge_order=2))["y"]
    assert out.dtype == pl.Array(pl.Float32, 4)
    got = out.to_list()
    assert got[1] is None
    np.testing.assert_allclose(got[0], np_gradient([1.0, 2.0, 4.0, 7.0], 2.0, edge_order=2))
    np.testing.assert_allclose(got[2], np_gradient([3.0, 5.0, 9.0, 11.0], 2.0, edge_order=2))


def test_array_y_with_list_x_and_integer_rows() -> None:
    df = pl.DataFrame(
        {
            "y": pl.Series([[1, 4, 9], [2, 3, 5]], dtype=pl.Array(pl.Int64, 3)),
            "x": [[0, 1, 3], [1, 2, 4]],
        }
    )
    out = df.select(grad(pl.col("y")).gradient(x="x"))["y"]
    assert out.dtype == pl.Array(pl.Float64, 3)
    assert_close(out[0].to_list(), np_gradient([1, 4, 9], [0, 1, 3]).tolist())
    assert_close(out[1].to_list(), np_gradient([2, 3, 5], [1, 2, 4]).tolist())


def test_list_of_datetimes_as_x() -> None:
    base = dt.datetime(2026, 5, 1)
    ts = [[base + dt.timedelta(minutes=m) for m in (0, 1, 3)], [base, base + dt.timedelta(hours=1)]]
    df = pl.DataFrame({"y": [[0.0, 1.0, 5.0], [0.0, 6.0]], "t": ts})
    got = df.select(grad(pl.col("y")).gradient(x="t", per="1m"))["y"].to_list()
    assert_close(got[0], np_gradient([0.0, 1.0, 5.0], [0, 1, 3]).tolist())
    assert_close(got[1], [0.1, 0.1])


def test_short_and_empty_rows() -> None:
    df = pl.DataFrame({"y": [[], [1.0], [1.0, 2.0], [1.0, 2.0, 4.0]]})
    got = df.select(grad(pl.col("y")).gradient(edge_order=2))["y"].to_list()
    assert got == [[], [None], [None, None], np_gradient([1.0, 2.0, 4.0], edge_order=2).tolist()]


def test_nested_errors() -> None:
    df = pl.DataFrame({"y": [[1.0, 2.0, 3.0]], "x": [[0.0, 1.0]], "flat": [1.0]})
    with pytest.raises(pl.exceptions.PolarsError, match=r"row 0 of x column 'x' has 2 values"):
        df.select(grad(pl.col("y")).gradient(x="x"))
    with pytest.raises(pl.exceptions.PolarsError, match=r"so x must be a List or Array"):
        df.select(grad(pl.col("y")).gradient(x="flat"))
    strings = pl.DataFrame({"y": [["a", "b"]]})
    with pytest.raises(pl.exceptions.PolarsError, match=r"y column 'y' has dtype List\(String\)"):
        strings.select(grad(pl.col("y")).gradient())


# --- across columns ----------------------------------------------------------------------


def test_readme_frame_both_ways() -> None:
    df = pl.DataFrame({"a": [10, 40], "b": [20, 50], "c": [30, 60]})
    axis0 = df.select(grad(pl.all()).gradient())
    axis1 = df.select(pg.gradient_horizontal(pl.all())).unnest("a")
    assert axis0.to_numpy().tolist() == np.gradient(df.to_numpy(), axis=0).tolist()
    assert axis1.to_numpy().tolist() == np.gradient(df.to_numpy(), axis=1).tolist()
    assert axis1.columns == ["a", "b", "c"]
    assert axis1.to_numpy().tolist() == [[10.0] * 3] * 2


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(0, 5),
    st.sampled_from([1, 2]),
    st.sampled_from([1.0, 0.5, -2.0]),
    st.integers(0, 2**16),
)
def test_horizontal_matches_numpy_axis_1(
    k: int, n: int, edge_order: int, spacing: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((n, k))
    nulls = rng.random((n, k)) < 0.15
    df = pl.DataFrame(
        {f"c{j}": [None if nulls[i, j] else data[i, j] for i in range(n)] for j in range(k)},
        schema={f"c{j}": pl.Float64 for j in range(k)},
    )
    out = df.select(
        pg.gradient_horizontal(pl.all(), spacing=spacing, edge_order=edge_order).alias("g")
    ).unnest("g")
    assert out.columns == df.columns
    for i in range(n):
        want = ref_gradient([df[c][i] for c in df.columns], None, spacing, edge_order)
        assert_close(list(out.row(i)), want)


def test_horizontal_names_dtypes_and_errors() -> None:
    df = pl.DataFrame({"a": pl.Series([1.0], dtype=pl.Float32), "b": [2], "s": ["x"]})
    out = df.select(pg.gradient_horizontal("a", pl.col("a").alias("a2")))
    assert out.schema["a"] == pl.Struct({"a": pl.Float32, "a2": pl.Float32})
    out = df.select(pg.gradient_horizontal(["a", "b"]))
    assert out.schema["a"] == pl.Struct({"a": pl.Float64, "b": pl.Float64})
    assert out["a"].to_list() == [{"a": 1.0, "b": 1.0}]
    with pytest.raises(pl.exceptions.PolarsError, match=r"'a' comes more than once"):
        df.select(pg.gradient_horizontal("a", "a"))
    with pytest.raises(pl.exceptions.PolarsError, match=r"horizontal: column 's' has dtype String"):
        df.select(pg.gradient_horizontal("a", "s"))
    with pytest.raises(ValueError, match="at least one column"):
        pg.gradient_horizontal()
    with pytest.raises(ValueError, match="edge_order must be 1 or 2"):
        pg.gradient_horizontal("a", edge_order=3)


# --- windows -----------------------------------------------------------------------------


def test_group_by_dynamic_and_rolling_give_each_windows_gradient() -> None:
    t = pl.datetime_range(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1, 0, 9), "1m", eager=True)
    y = [float(i * i) for i in range(10)]
    df = pl.DataFrame({"t": t, "y": y})
    e = grad(pl.col("y")).gradient(x="t", per="1m", edge_order=2)
    out = df.group_by_dynamic("t", every="5m").agg(e)
    assert out.height == 2
    assert_close(out["y"][0].to_list(), np_gradient(y[:5], edge_order=2).tolist())
    assert_close(out["y"][1].to_list(), np_gradient(y[5:], edge_order=2).tolist())
    out = df.rolling("t", period="3m").agg(e)
    assert out["y"][0].to_list() == [None]
    assert out["y"][1].to_list() == [None, None]  # two points: too few for edge_order=2
    for i in range(2, 10):
        assert_close(out["y"][i].to_list(), np_gradient(y[i - 2 : i + 1], edge_order=2).tolist())
