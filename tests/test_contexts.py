"""Every Polars context: eager, lazy, streaming with many chunks, over, group_by, select."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from reference import assert_close, collect, grad, np_gradient, ref_per_group

import polars_gradient  # noqa: F401


@st.composite
def grouped_frame(draw: st.DrawFn) -> pl.DataFrame:
    n_groups = draw(st.integers(1, 6))
    sizes = draw(st.lists(st.integers(0, 8), min_size=n_groups, max_size=n_groups))
    keys = [g for g, size in enumerate(sizes) for _ in range(size)]
    keys = draw(st.permutations(keys))  # interleaved
    n = len(keys)
    y = draw(st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3)), min_size=n, max_size=n))
    # Strictly increasing coordinates overall, so each group's are distinct.
    x = np.cumsum(draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n))).tolist()
    return pl.DataFrame(
        {"id": keys, "y": y, "x": x}, schema={"id": pl.Int64, "y": pl.Float64, "x": pl.Float64}
    )


@settings(max_examples=150, deadline=None)
@given(grouped_frame(), st.sampled_from([1, 2]), st.booleans())
def test_over_matches_numpy_per_group(df: pl.DataFrame, edge_order: int, with_x: bool) -> None:
    expr = grad(pl.col("y")).gradient(x="x" if with_x else None, edge_order=edge_order)
    got = df.select(expr.over("id")).to_series().to_list()
    assert_close(got, ref_per_group(df, ["id"], edge_order, with_x), atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(grouped_frame(), st.sampled_from([1, 2]), st.booleans())
def test_group_by_agg_gives_a_list_per_group(
    df: pl.DataFrame, edge_order: int, with_x: bool
) -> None:
    expr = grad(pl.col("y")).gradient(x="x" if with_x else None, edge_order=edge_order)
    out = df.group_by("id", maintain_order=True).agg(expr)
    assert out.schema["y"] == pl.List(pl.Float64)
    want = ref_per_group(df, ["id"], edge_order, with_x)
    keys = df["id"].to_list()
    for key, values in out.iter_rows():
        assert_close(values, [w for k, w in zip(keys, want) if k == key], atol=1e-9)


def multi_chunk_frame(n_chunks: int = 7, rows: int = 50) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    parts = [
        pl.DataFrame(
            {
                "id": rng.integers(0, 5, rows),
                "y": rng.standard_normal(rows),
                "x": np.arange(k * rows, (k + 1) * rows) + rng.uniform(0, 0.5, rows),
            }
        )
        for k in range(n_chunks)
    ]
    df = pl.concat(parts, rechunk=False)
    assert df["y"].n_chunks() == n_chunks
    return df


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_lazy_and_streaming_with_many_chunks(engine: str, edge_order: int) -> None:
    df = multi_chunk_frame()
    want = np_gradient(df["y"].to_numpy(), df["x"].to_numpy(), edge_order=edge_order)
    out = collect(
        df.lazy().with_columns(g=grad(pl.col("y")).gradient(x="x", edge_order=edge_order)), engine
    )
    np.testing.assert_allclose(out["g"].to_numpy(), want, rtol=1e-12)
    want_over = ref_per_group(df, ["id"], edge_order, with_x=True)
    out = collect(
        df.lazy().select(grad(pl.col("y")).gradient(x="x", edge_order=edge_order).over("id")),
        engine,
    )
    assert_close(out["y"].to_list(), want_over, atol=1e-9)


def test_plain_collect_of_a_scan_in_chunks(tmp_path: object) -> None:
    df = multi_chunk_frame(n_chunks=5, rows=20_000)
    want = np_gradient(df["y"].to_numpy(), df["x"].to_numpy())
    got = df.lazy().select(grad(pl.col("y")).gradient(x="x")).collect()["y"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_several_gradients_in_one_select() -> None:
    df = pl.DataFrame({"a": [1.0, 4.0, 9.0, 16.0], "b": [0, 1, 0, 1], "t": [0.0, 1.0, 2.0, 4.0]})
    out = df.select(
        grad(pl.col("a")).gradient(),
        grad(pl.col("b")).gradient(x="t", edge_order=2),
        grad(pl.col("a")).gradient(x="t").alias("a_t"),
        dt=grad(pl.col("t")).gradient(spacing=0.5),
    )
    assert out.columns == ["a", "b", "a_t", "dt"]
    assert out["a"].to_list() == np_gradient([1.0, 4.0, 9.0, 16.0]).tolist()
    assert_close(out["b"].to_list(), np_gradient([0, 1, 0, 1], [0, 1, 2, 4], edge_order=2).tolist())
    assert_close(out["a_t"].to_list(), np_gradient([1.0, 4.0, 9.0, 16.0], [0, 1, 2, 4]).tolist())
    assert out["dt"].to_list() == np_gradient([0.0, 1.0, 2.0, 4.0], 0.5).tolist()


def test_with_columns_and_filter_before() -> None:
    df = pl.DataFrame({"y": [5, 1, 2, 4, 7, 11, 16], "keep": [False, *[True] * 6]})
    out = df.lazy().filter("keep").with_columns(g=grad(pl.col("y")).gradient()).collect()
    assert out["g"].to_list() == [1, 1.5, 2.5, 3.5, 4.5, 5]


def test_over_with_interleaved_string_keys_and_sizes_0_to_3() -> None:
    df = pl.DataFrame(
        {
            "id": ["a", "b", "c", "a", "c", "c", "d", "d", "d", "d"],
            "y": [1.0, 5.0, 0.0, 3.0, 1.0, 4.0, 1.0, 2.0, 4.0, 8.0],
        }
    )
    got = df.select(grad(pl.col("y")).gradient(edge_order=2).over("id"))["y"].to_list()
    # a: 2 points (too few for edge_order=2), b: 1 point, c: [0, 1, 4], d: [1, 2, 4, 8]
    c = np_gradient([0.0, 1.0, 4.0], edge_order=2).tolist()
    d = np_gradient([1.0, 2.0, 4.0, 8.0], edge_order=2).tolist()
    assert got == [None, None, c[0], None, c[1], c[2], *d]


def test_a_repeated_gradient_is_computed_once() -> None:
    # The plugin is deterministic, so Polars may compute a repeated call once.
    g = grad(pl.col("y")).gradient()
    lf = pl.LazyFrame({"y": [1.0, 2.0, 4.0]})
    # (gradient, derivative, savgol and cumulative_trapezoid share the entry point
    # `differentiate`.) Where Polars can be told so (2.0 and newer), it is; Polars 1.x
    # up to 1.40 shares any repeated plugin call, 1.41 to 1.44 none (measured).
    from polars_gradient._plugin import _DETERMINISTIC

    calls = lf.select(a=g, b=g + 1).explain().count(":differentiate(")
    if _DETERMINISTIC:
        assert calls == 1
    else:
        assert calls in (1, 2)
    assert lf.select(a=g, b=g + 1).collect().rows() == [(1.0, 2.0), (1.5, 2.5), (2.0, 3.0)]


def test_is_deterministic_is_passed_only_where_polars_accepts_it() -> None:
    from polars_gradient._plugin import _DETERMINISTIC

    major, minor = (int(p) for p in pl.__version__.split(".")[:2])
    accepts = (major, minor) >= (2, 0)  # first in Polars 2.0 (none in 1.44)
    assert _DETERMINISTIC == ({"is_deterministic": True} if accepts else {})
