"""partition_by= and the .over() route: equal to Polars' own .over() and to numpy per group."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from reference import assert_close, collect, grad, np_gradient, ref_per_group

import polars_gradient as pg


@st.composite
def keyed_frame(draw: st.DrawFn) -> pl.DataFrame:
    """Random groups (sizes 0..6, some keys null), grouped or interleaved, two key columns."""
    n_groups = draw(st.integers(1, 8))
    sizes = draw(st.lists(st.integers(0, 6), min_size=n_groups, max_size=n_groups))
    labels = [g for g, size in enumerate(sizes) for _ in range(size)]
    if draw(st.booleans()):
        labels = draw(st.permutations(labels))
    n = len(labels)
    # Key a: the group's label with label 0 as null; key b: a second column splitting some.
    a = [None if g == 0 else g % 3 for g in labels]
    b = [g // 3 for g in labels]
    y = draw(st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3)), min_size=n, max_size=n))
    x = np.cumsum(draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n))).tolist()
    return pl.DataFrame(
        {"a": a, "b": b, "y": y, "x": x},
        schema={"a": pl.Int64, "b": pl.Int64, "y": pl.Float64, "x": pl.Float64},
    )


@settings(max_examples=200, deadline=None)
@given(
    keyed_frame(),
    st.sampled_from([1, 2]),
    st.booleans(),
    st.sampled_from([["a"], ["a", "b"]]),
)
def test_partition_by_equals_over_and_numpy(
    df: pl.DataFrame, edge_order: int, with_x: bool, keys: list[str]
) -> None:
    x = "x" if with_x else None
    ours = df.select(grad(pl.col("y")).gradient(x=x, edge_order=edge_order, partition_by=keys))
    routed = df.select(grad(pl.col("y")).gradient(x=x, edge_order=edge_order).over(keys))
    # .alias() gives a plain expression: this .over() is Polars' own per-group loop.
    polars_over = df.select(
        grad(pl.col("y")).gradient(x=x, edge_order=edge_order).alias("y").over(keys)
    )
    assert ours.equals(polars_over)
    assert routed.equals(polars_over)
    assert_close(ours["y"].to_list(), ref_per_group(df, keys, edge_order, with_x), atol=1e-9)


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
@pytest.mark.parametrize("grouped", [True, False])
def test_partition_by_lazy_streaming_many_chunks(engine: str, grouped: bool) -> None:
    rng = np.random.default_rng(3)
    parts = []
    for k in range(6):
        n = 500
        ids = np.sort(rng.integers(0, 40, n)) + 40 * k if grouped else rng.integers(0, 7, n)
        parts.append(
            pl.DataFrame(
                {
                    "id": ids,
                    "y": rng.standard_normal(n),
                    "x": np.arange(n * k, n * (k + 1)) + rng.uniform(0, 0.5, n),
                }
            )
        )
    df = pl.concat(parts, rechunk=False)
    assert df.n_chunks() == 6
    expr = grad(pl.col("y")).gradient(x="x", edge_order=2)
    query = df.lazy().select(
        pb=grad(pl.col("y")).gradient(x="x", edge_order=2, partition_by="id"),
        over=expr.alias("y").over("id"),  # Polars' own per-group loop
    )
    out = collect(query, engine)
    assert out["pb"].equals(out["over"], check_names=False)
    assert_close(out["pb"].to_list(), ref_per_group(df, ["id"], 2, True), atol=1e-9)


@pytest.mark.parametrize(
    "dtype", [pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64]
)
@pytest.mark.parametrize("spread", [False, True])
def test_interleaved_integer_keys_of_every_width(dtype: pl.DataType, spread: bool) -> None:
    # One integer key labels each row by a table over its range, or (keys spread
    # wide) by hashing; both must give Polars' own per-group values, nulls a group.
    rng = np.random.default_rng(5)
    n = 4000
    labels = rng.integers(0, 40, n)
    info = np.iinfo(str(dtype).lower())
    step = (int(info.max) - int(info.min)) // 41 if spread else 1
    base = int(info.min) if spread else (0 if info.min == 0 else -20)
    keys = pl.Series([base + int(g) * step for g in labels], dtype=pl.Int128 if spread else None)
    df = pl.DataFrame(
        {
            "k": keys.cast(dtype),
            "y": rng.standard_normal(n),
            "x": np.cumsum(rng.uniform(0.1, 1.0, n)),
        }
    ).with_columns(k=pl.when(pl.int_range(n) % 11 == 3).then(None).otherwise("k"))
    ours = df.select(grad(pl.col("y")).gradient(x="x", partition_by="k"))
    polars_over = df.select(grad(pl.col("y")).gradient(x="x").alias("y").over("k"))
    assert ours.equals(polars_over)
    assert_close(ours["y"].to_list(), ref_per_group(df, ["k"], 1, True), atol=1e-9)


def test_partition_by_expression_keys_and_function_form() -> None:
    df = pl.DataFrame({"t": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "y": [0.0, 1.0, 4.0, 9.0, 1.0, 3.0]})
    got = df.select(pg.gradient("y", x="t", partition_by=pl.col("t") >= 4))["y"].to_list()
    assert got == [1.0, 2.0, 4.0, 5.0, 2.0, 2.0]
    got2 = df.select(grad(pl.col("y")).gradient(x="t").over(pl.col("t") >= 4))["y"].to_list()
    assert got2 == got


def test_partition_by_null_keys_are_a_group() -> None:
    df = pl.DataFrame({"k": [None, 1, None, 1, None], "y": [0.0, 10.0, 2.0, 20.0, 6.0]})
    got = df.select(grad(pl.col("y")).gradient(partition_by="k"))["y"].to_list()
    assert got == [2.0, 10.0, 3.0, 10.0, 4.0]


def test_one_row_groups_and_categorical_keys() -> None:
    df = pl.DataFrame(
        {"k": pl.Series(["a", "b", "c", "c"], dtype=pl.Categorical), "y": [1.0, 2.0, 3.0, 5.0]}
    )
    got = df.select(grad(pl.col("y")).gradient(partition_by="k"))["y"].to_list()
    assert got == [None, None, 2.0, 2.0]


def test_partition_by_inside_group_by_agg() -> None:
    df = pl.DataFrame({"g": [1, 1, 1, 1], "k": [0, 1, 0, 1], "y": [0.0, 1.0, 2.0, 5.0]})
    out = df.group_by("g").agg(grad(pl.col("y")).gradient(partition_by="k"))
    assert out["y"].to_list() == [[2.0, 4.0, 2.0, 4.0]]


def test_over_with_order_by_is_polars_own() -> None:
    df = pl.DataFrame({"k": [1, 1, 1], "t": [2, 0, 1], "y": [4.0, 0.0, 1.0]})
    got = df.select(grad(pl.col("y")).gradient().over("k", order_by="t"))["y"].to_list()
    # In t order the values are [0, 1, 4] -> [1, 2, 3], mapped back to the rows.
    assert got == [3.0, 1.0, 2.0]


def test_large_ungrouped_is_split_across_threads_correctly() -> None:
    # Lengths around the parallel threshold (2**16) and pieces of a split.
    rng = np.random.default_rng(5)
    for n in (2**16 - 1, 2**16, 2**16 + 1, 300_007):
        y = rng.standard_normal(n)
        x = np.cumsum(rng.uniform(0.1, 1.0, n))
        df = pl.DataFrame({"y": y, "x": x})
        for edge_order in (1, 2):
            got = df.select(grad(pl.col("y")).gradient(x="x", edge_order=edge_order))["y"]
            np.testing.assert_allclose(
                got.to_numpy(), np_gradient(y, x, edge_order=edge_order), rtol=1e-9, atol=1e-9
            )


@pytest.mark.parametrize("bad", [[], 3, [1.5]])
def test_bad_partition_by(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="partition_by"):
        grad(pl.col("y")).gradient(partition_by=bad)  # type: ignore[arg-type]


def test_partition_by_of_a_different_length() -> None:
    df = pl.DataFrame({"y": [1.0, 2.0, 3.0], "k": [1, 1, 2]})
    with pytest.raises(pl.exceptions.PolarsError, match="partition_by column 'k' has length 2"):
        df.select(grad(pl.col("y")).gradient(partition_by=pl.col("k").head(2)))
