"""Both null policies, against numpy on the filtered arrays, alone and inside groups."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from reference import assert_close, grad, ref_gradient, ref_gradient_skipping_nulls

import polars_gradient  # noqa: F401


@st.composite
def nully(draw: st.DrawFn) -> tuple[list[Any], list[Any] | None, float, int]:
    """Values and coordinates with nulls anywhere: leading, trailing, in runs, or all."""
    n = draw(st.integers(0, 25))
    pattern = draw(st.sampled_from(["random", "leading", "trailing", "runs", "all", "none"]))
    null = [False] * n
    if pattern == "random":
        null = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif pattern in ("leading", "trailing") and n:
        k = draw(st.integers(1, n))
        null = [i < k for i in range(n)] if pattern == "leading" else [i >= n - k for i in range(n)]
    elif pattern == "runs" and n:
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a, n))
        null = [a <= i < b for i in range(n)]
    elif pattern == "all":
        null = [True] * n
    values = draw(st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n))
    y = [None if z else v for v, z in zip(values, null)]
    edge_order = draw(st.sampled_from([1, 2]))
    if draw(st.booleans()):
        steps = draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n))
        x: list[Any] | None = np.cumsum(steps).tolist()
        holes = draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=2)) if n else []
        for h in holes:
            x[h] = None  # type: ignore[index]
        return y, x, 1.0, edge_order
    return y, None, draw(st.sampled_from([1.0, 0.5, 3.0])), edge_order


def frame(y: list[Any], x: list[Any] | None) -> pl.DataFrame:
    return pl.DataFrame(
        {"y": y, "x": x if x is not None else [None] * len(y)},
        schema={"y": pl.Float64, "x": pl.Float64},
    )


def expr(x: list[Any] | None, spacing: float, edge_order: int, ignore_nulls: bool) -> pl.Expr:
    if x is None:
        return grad(pl.col("y")).gradient(
            spacing=spacing, edge_order=edge_order, ignore_nulls=ignore_nulls
        )
    return grad(pl.col("y")).gradient(x="x", edge_order=edge_order, ignore_nulls=ignore_nulls)


@settings(max_examples=300, deadline=None)
@given(nully(), st.booleans())
def test_both_policies_match_numpy(case: tuple[Any, ...], ignore_nulls: bool) -> None:
    y, x, spacing, edge_order = case
    got = frame(y, x).select(expr(x, spacing, edge_order, ignore_nulls))["y"].to_list()
    ref = ref_gradient_skipping_nulls if ignore_nulls else ref_gradient
    assert_close(got, ref(y, x, spacing, edge_order), rtol=1e-9, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(st.lists(nully(), min_size=1, max_size=4), st.booleans(), st.sampled_from([1, 2]))
def test_both_policies_inside_groups(cases: list[Any], ignore_nulls: bool, edge_order: int) -> None:
    """Each case is a group; rows interleaved; over, partition_by and group_by all agree."""
    with_x = cases[0][1] is not None
    rows = []
    for g, (y, x, _, _) in enumerate(cases):
        xs = x if (with_x and x is not None) else [float(i) for i in range(len(y))]
        rows += [(g, yi, xi) for yi, xi in zip(y, xs)]
    order = np.random.default_rng(len(rows)).permutation(len(rows))
    rows = [rows[i] for i in order]
    df = pl.DataFrame(rows, schema={"g": pl.Int64, "y": pl.Float64, "x": pl.Float64}, orient="row")
    e = grad(pl.col("y")).gradient(x="x", edge_order=edge_order, ignore_nulls=ignore_nulls)
    ref = ref_gradient_skipping_nulls if ignore_nulls else ref_gradient
    want: list[Any] = [None] * df.height
    keys = df["g"].to_list()
    for g in set(keys):
        idx = [i for i, k in enumerate(keys) if k == g]
        for i, v in zip(
            idx, ref([df["y"][i] for i in idx], [df["x"][i] for i in idx], 1.0, edge_order)
        ):
            want[i] = v
    over = df.select(e.over("g"))["y"].to_list()
    polars_over = df.select(e.alias("y").over("g"))["y"].to_list()
    partitioned = df.select(
        grad(pl.col("y")).gradient(
            x="x", edge_order=edge_order, ignore_nulls=ignore_nulls, partition_by="g"
        )
    )["y"].to_list()
    assert_close(over, want, rtol=1e-9, atol=1e-6)
    assert over == polars_over == partitioned
    lists = df.group_by("g").agg(e)
    for g, values in lists.iter_rows():
        assert_close(values, [w for k, w in zip(keys, want) if k == g], rtol=1e-9, atol=1e-6)


def test_a_gap_is_a_longer_step() -> None:
    df = pl.DataFrame({"y": [0.0, 1.0, None, 9.0, 16.0]})  # y = row^2 where present
    got = df.select(grad(pl.col("y")).gradient(ignore_nulls=True, edge_order=2))["y"].to_list()
    assert_close(got, [0.0, 2.0, None, 6.0, 8.0])
    assert df.select(grad(pl.col("y")).gradient())["y"].to_list() == [1.0, None, None, None, 7.0]


@pytest.mark.parametrize("ignore_nulls", [1, "yes", None])
def test_ignore_nulls_must_be_a_bool(ignore_nulls: object) -> None:
    with pytest.raises(TypeError, match="ignore_nulls must be True or False"):
        grad(pl.col("y")).gradient(ignore_nulls=ignore_nulls)  # type: ignore[arg-type]
