"""derivative(): against findiff, exact on polynomials, measured convergence order, contexts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import findiff
import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from reference import assert_close, collect, grad

import polars_gradient as pg


def fornberg(z: float, x: np.ndarray, m: int) -> np.ndarray:
    """Fornberg's weights, written independently of the Rust kernel (test oracle)."""
    n = len(x)
    c = np.zeros((n, m + 1))
    c1, c4 = 1.0, x[0] - z
    c[0, 0] = 1.0
    for i in range(1, n):
        mn, c2, c5, c4 = min(i, m), 1.0, c4, x[i] - z
        for j in range(i):
            c3 = x[i] - x[j]
            c2 *= c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[i, k] = c1 * (k * c[i - 1, k - 1] - c5 * c[i - 1, k]) / c2
                c[i, 0] = -c1 * c5 * c[i - 1, 0] / c2
            for k in range(mn, 0, -1):
                c[j, k] = (c4 * c[j, k] - k * c[j, k - 1]) / c3
            c[j, 0] = c4 * c[j, 0] / c3
        c1 = c2
    return c[:, m]


def spec_window(i: int, n: int, order: int, accuracy: int, uniform: bool) -> range:
    """The rows of row i's stencil, as ../shared/SPEC.md words it."""
    p = order + accuracy
    centred = p if order % 2 else (p - 1 if uniform else p + 1)
    half = (centred - 1) // 2
    if half <= i < n - half:
        return range(i - half, i + half + 1)
    return range(0, p) if i < half else range(n - p, n)


def reference(y: np.ndarray, x: np.ndarray, order: int, accuracy: int, uniform: bool) -> list[Any]:
    n = len(y)
    if n < order + accuracy:
        return [None] * n
    out = []
    for i in range(n):
        rows = list(spec_window(i, n, order, accuracy, uniform))
        out.append(float(fornberg(x[i], x[rows], order) @ y[rows]))
    return out


CASES = [(1, 2), (1, 4), (1, 6), (2, 2), (2, 4), (3, 2), (3, 4), (4, 2)]


@pytest.mark.parametrize(("order", "accuracy"), CASES)
def test_uniform_matches_findiff_and_the_spec_windows(order: int, accuracy: int) -> None:
    h = 0.1
    x = np.arange(30) * h
    y = np.sin(x) + x**2
    got = pl.DataFrame({"y": y}).select(
        grad(pl.col("y")).derivative(order=order, accuracy=accuracy, spacing=h)
    )["y"]
    want = (
        findiff.Diff(0, h, acc=accuracy) ** order if order > 1 else findiff.Diff(0, h, acc=accuracy)
    )
    fd = want(y)
    centred = order + accuracy - (0 if order % 2 else 1)
    half = (centred - 1) // 2
    # Interior and the two end rows: findiff's stencils are the spec's.
    rows = [0, *range(half, 30 - half), 29]
    np.testing.assert_allclose(got.to_numpy()[rows], fd[rows], rtol=1e-9, atol=1e-7)
    # Every row, against the spec's windows with independent Fornberg weights.
    np.testing.assert_allclose(
        got.to_numpy(), reference(y, x, order, accuracy, True), rtol=1e-9, atol=1e-6
    )


@pytest.mark.parametrize(
    ("order", "accuracy", "findiff_row1", "ours_row1"),
    [(1, 4, 3.2e-6, 8.0e-7), (2, 4, 2.4e-6, 1.6e-7)],
)
def test_near_edge_rows_differ_from_findiff_only_by_truncation(
    order: int, accuracy: int, findiff_row1: float, ours_row1: float
) -> None:
    # With order + accuracy >= 5 on a uniform grid, findiff gives rows 1 .. (order +
    # accuracy) // 2 - 1 a one-sided stencil starting at the row; we take the order +
    # accuracy points nearest the edge. The README's figures for sin on 100 points.
    x = np.linspace(0, 2 * np.pi, 100)
    h = x[1] - x[0]
    y = np.sin(x)
    d = findiff.Diff(0, h, acc=accuracy)
    theirs = (d**order)(y) if order > 1 else d(y)
    ours = (
        pl.DataFrame({"y": y})
        .select(grad(pl.col("y")).derivative(order=order, accuracy=accuracy, spacing=h))["y"]
        .to_numpy()
    )
    true = np.cos(x) if order == 1 else -np.sin(x)
    assert abs(theirs[1] - true[1]) == pytest.approx(findiff_row1, rel=0.05)
    assert abs(ours[1] - true[1]) == pytest.approx(ours_row1, rel=0.05)
    # Every other row agrees to rounding (the same rows differ at the other edge).
    k = (order + accuracy) // 2
    rows = [0, *range(k, 100 - k), 99]
    np.testing.assert_allclose(ours[rows], theirs[rows], rtol=0, atol=1e-9)


@pytest.mark.parametrize(("order", "accuracy"), CASES)
def test_non_uniform_matches_findiff(order: int, accuracy: int) -> None:
    rng = np.random.default_rng(order * 10 + accuracy)
    x = np.cumsum(rng.uniform(0.05, 0.15, 40))
    y = np.exp(0.5 * x) * np.cos(x)
    got = pl.DataFrame({"y": y, "x": x}).select(
        grad(pl.col("y")).derivative(x="x", order=order, accuracy=accuracy)
    )["y"]
    d = findiff.Diff(0, x, acc=accuracy)
    fd = (d**order)(y) if order > 1 else d(y)
    ref = reference(y, x, order, accuracy, False)
    np.testing.assert_allclose(got.to_numpy(), ref, rtol=1e-8, atol=1e-6)
    if order <= 2:  # findiff composes higher orders from lower ones: compare to order 2
        np.testing.assert_allclose(got.to_numpy(), fd, rtol=1e-8, atol=1e-6)


@pytest.mark.parametrize(("order", "accuracy"), CASES)
@pytest.mark.parametrize("uniform", [True, False])
def test_polynomials_are_differentiated_exactly(order: int, accuracy: int, uniform: bool) -> None:
    deg = order + accuracy - 1
    rng = np.random.default_rng(deg)
    coef = rng.uniform(-1, 1, deg + 1)
    x = np.arange(20) * 0.25 if uniform else np.cumsum(rng.uniform(0.1, 0.4, 20))
    y = np.polynomial.polynomial.polyval(x, coef)
    want = np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyder(coef, order))
    df = pl.DataFrame({"y": y, "x": x})
    e = (
        grad(pl.col("y")).derivative(order=order, accuracy=accuracy, spacing=0.25)
        if uniform
        else grad(pl.col("y")).derivative(x="x", order=order, accuracy=accuracy)
    )
    got = df.select(e)["y"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.abs(want).max())


def fitted_order(
    order: int, accuracy: int, f: Callable[[Any], Any], df: Callable[[Any], Any], uniform: bool
) -> float:
    """Slope of log(max error) against log(h) over a sequence of grid sizes."""
    errors, steps = [], []
    for n in (40, 56, 80, 112, 160):
        s = np.linspace(0.0, 2.0, n)
        # Non-uniform: a smooth stretching of a uniform grid, so the error
        # constant does not jump from one grid size to the next.
        x = s if uniform else s + 0.15 * np.sin(3.0 * s)
        h = 2.0 / (n - 1)
        frame = pl.DataFrame({"y": f(x), "x": x})
        e = (
            grad(pl.col("y")).derivative(order=order, accuracy=accuracy, spacing=h)
            if uniform
            else grad(pl.col("y")).derivative(x="x", order=order, accuracy=accuracy)
        )
        got = frame.select(e)["y"].to_numpy()
        errors.append(np.abs(got - df(x)).max())
        steps.append(h)
    return float(np.polyfit(np.log(steps), np.log(errors), 1)[0])


@pytest.mark.parametrize(("order", "accuracy"), [(1, 2), (1, 4), (1, 6), (2, 2), (2, 4), (3, 2)])
@pytest.mark.parametrize("uniform", [True, False])
@pytest.mark.parametrize("fname", ["sin", "exp"])
def test_measured_convergence_order_matches_accuracy(
    order: int, accuracy: int, uniform: bool, fname: str
) -> None:
    f = np.sin if fname == "sin" else np.exp
    table: dict[str, list[Callable[[Any], Any]]] = {
        "sin": [np.sin, np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v)],
        "exp": [np.exp] * 4,
    }
    derivs = table[fname]
    slope = fitted_order(order, accuracy, f, derivs[order], uniform)
    assert abs(slope - accuracy) < 0.3, slope


def test_order_one_accuracy_two_is_gradient_edge_order_two() -> None:
    rng = np.random.default_rng(4)
    df = pl.DataFrame({"y": rng.standard_normal(50), "x": np.cumsum(rng.uniform(0.1, 1, 50))})
    for kw in ({"x": "x"}, {"spacing": 0.3}):
        a = df.select(grad(pl.col("y")).derivative(**kw))["y"].to_numpy()
        b = df.select(grad(pl.col("y")).gradient(**kw, edge_order=2))["y"].to_numpy()
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@st.composite
def grouped(draw: st.DrawFn) -> pl.DataFrame:
    sizes = draw(st.lists(st.integers(0, 12), min_size=1, max_size=5))
    keys = draw(st.permutations([g for g, k in enumerate(sizes) for _ in range(k)]))
    n = len(keys)
    y = draw(st.lists(st.one_of(st.none(), st.floats(-10, 10)), min_size=n, max_size=n))
    x = np.cumsum(draw(st.lists(st.floats(0.1, 1.0), min_size=n, max_size=n))).tolist()
    return pl.DataFrame(
        {"g": keys, "y": y, "x": x}, schema={"g": pl.Int64, "y": pl.Float64, "x": pl.Float64}
    )


@settings(max_examples=100, deadline=None)
@given(grouped(), st.sampled_from([(1, 2), (2, 2), (1, 4), (3, 2)]), st.booleans())
def test_derivative_in_groups_and_null_policies(
    df: pl.DataFrame, oa: tuple[int, int], ignore_nulls: bool
) -> None:
    order, accuracy = oa
    e = grad(pl.col("y")).derivative(
        x="x", order=order, accuracy=accuracy, ignore_nulls=ignore_nulls
    )
    over = df.select(e.over("g"))["y"].to_list()
    own = df.select(e.alias("y").over("g"))["y"].to_list()
    pb = df.select(
        pg.derivative(
            "y", "x", order=order, accuracy=accuracy, ignore_nulls=ignore_nulls, partition_by="g"
        )
    )["y"].to_list()
    assert over == own == pb
    keys = df["g"].to_list()
    for g in set(keys):
        idx = [i for i, k in enumerate(keys) if k == g]
        ys = [df["y"][i] for i in idx]
        xs = np.array([df["x"][i] for i in idx])
        valid = [v is not None for v in ys]
        if ignore_nulls:
            keep = [i for i, v in enumerate(valid) if v]
            sub = reference(np.array([ys[i] for i in keep]), xs[keep], order, accuracy, False)
            want: list[Any] = [None] * len(ys)
            for i, v in zip(keep, sub):
                want[i] = v
        else:
            filled = np.array([0.0 if v is None else v for v in ys])
            raw = reference(filled, xs, order, accuracy, False)
            n = len(ys)
            want = [
                None
                if v is None or not all(valid[j] for j in spec_window(i, n, order, accuracy, False))
                else v
                for i, v in enumerate(raw)
            ]
        assert_close([over[i] for i in idx], want, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
def test_derivative_lazy_streaming_many_chunks(engine: str) -> None:
    x = np.linspace(0, 3, 600)
    parts = [
        pl.DataFrame({"y": np.sin(x[k * 100 : (k + 1) * 100]), "x": x[k * 100 : (k + 1) * 100]})
        for k in range(6)
    ]
    df = pl.concat(parts, rechunk=False)
    assert df.n_chunks() == 6
    got = collect(
        df.lazy().select(grad(pl.col("y")).derivative(x="x", order=2, accuracy=4)), engine
    )["y"].to_numpy()
    np.testing.assert_allclose(got, reference(np.sin(x), x, 2, 4, False), rtol=1e-8, atol=1e-8)


def test_temporal_acceleration_per_second_squared() -> None:
    seconds = np.array([0, 1, 3, 4, 7, 9, 10])
    t = pl.Series((seconds * 1000).tolist(), dtype=pl.Int64).cast(pl.Datetime("ms"))
    df = pl.DataFrame({"t": t, "pos": (2.0 * seconds**2).tolist()})  # acceleration 4 m/s^2
    got = df.select(grad(pl.col("pos")).derivative(x="t", order=2))["pos"].to_list()
    assert_close(got, [4.0] * 7, rtol=1e-9)
    got = df.select(grad(pl.col("pos")).derivative(x="t", order=2, per="1m"))["pos"].to_list()
    assert_close(got, [4.0 * 3600] * 7, rtol=1e-9)


def test_short_series_and_list_rows() -> None:
    df = pl.DataFrame({"y": [[1.0, 2.0, 4.0], [1.0, 2.0, 4.0, 8.0, 16.0]]})
    got = df.select(grad(pl.col("y")).derivative(order=2, accuracy=2))["y"].to_list()
    assert got[0] == [None, None, None]  # 3 points < order + accuracy
    assert_close(got[1], reference(np.array([1.0, 2, 4, 8, 16]), np.arange(5.0), 2, 2, True))


@pytest.mark.parametrize(
    ("kw", "exc", "msg"),
    [
        ({"order": 0}, ValueError, "order must be at least 1"),
        ({"accuracy": 3}, ValueError, "accuracy must be an even integer >= 2"),
        ({"accuracy": 0}, ValueError, "accuracy must be an even integer >= 2"),
        ({"order": 1.5}, TypeError, "order must be an integer"),
        ({"accuracy": True}, TypeError, "accuracy must be an integer"),
        ({"x": "t", "spacing": 1.0}, ValueError, "either x or spacing"),
    ],
)
def test_bad_order_and_accuracy(kw: dict[str, Any], exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        grad(pl.col("y")).derivative(**kw)
