"""savgol, cumulative_trapezoid and trapezoid against scipy, a per-window numpy fit, and by hand."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import grad
from scipy.integrate import cumulative_trapezoid as sp_cumtrapz
from scipy.integrate import trapezoid as sp_trapz
from scipy.signal import savgol_filter

import polars_gradient as pg

# ---------------------------------------------------------------- references


def fit_at(t: np.ndarray, y: np.ndarray, centre: float, polyorder: int, order: int) -> float:
    """numpy.polyfit on coordinates centred at the row and scaled, differentiated there."""
    d = t - centre
    scale = np.max(np.abs(d)) or 1.0
    coef = np.polyfit(d / scale, y, polyorder)  # highest power first
    return (
        float(np.polyval(np.polyder(coef, order), 0.0) / scale**order)
        if order <= polyorder
        else 0.0
    )


def savgol_count_ref(
    y: np.ndarray, x: np.ndarray, window: Any, polyorder: int, order: int
) -> list[float | None]:
    n = len(y)
    if n < window:
        return [None] * n
    out: list[float | None] = []
    for i in range(n):
        lo = min(max(i - window // 2, 0), n - window)
        rows = slice(lo, lo + window)
        out.append(fit_at(x[rows], y[rows], x[i], polyorder, order))
    return out


def savgol_width_ref(
    y: np.ndarray, x: np.ndarray, width: float, polyorder: int, order: int
) -> list[float | None]:
    n = len(y)
    out: list[float | None] = []
    for i in range(n):
        lo = i
        while lo > 0 and abs(x[lo - 1] - x[i]) <= width / 2:
            lo -= 1
        hi = i + 1
        while hi < n and abs(x[hi] - x[i]) <= width / 2:
            hi += 1
        if hi - lo <= polyorder:
            out.append(None)
        else:
            out.append(fit_at(x[lo:hi], y[lo:hi], x[i], polyorder, order))
    return out


def close(got: list[Any], want: list[Any], rel: float = 1e-9) -> None:
    assert len(got) == len(want)
    finite = [abs(w) for w in want if w is not None and math.isfinite(w)]
    scale = max(finite, default=1.0) or 1.0
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None, f"row {i}: {g} is not null"
        else:
            assert g is not None, f"row {i}: null, want {w}"
            assert abs(g - w) <= rel * scale, f"row {i}: {g} vs {w}"


window_params = st.sampled_from(
    [
        (1, 0, 0),
        (3, 1, 1),
        (5, 2, 0),
        (5, 2, 1),
        (5, 2, 2),
        (7, 3, 1),
        (7, 3, 3),
        (9, 4, 2),
        (11, 2, 1),
    ]
)

# ---------------------------------------------------------------- savgol, count windows


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 40),
    window_params,
    st.floats(0.01, 100),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_savgol_uniform_equals_scipy(
    n: int, params: Any, spacing: float, f32: bool, seed: int
) -> None:
    window, polyorder, order = params
    y = np.random.default_rng(seed).standard_normal(n)
    df = pl.DataFrame({"y": y.astype(np.float32) if f32 else y})
    got = df.select(
        pg.savgol("y", window=window, polyorder=polyorder, order=order, spacing=spacing)
    )["y"]
    assert got.dtype == (pl.Float32 if f32 else pl.Float64)
    if n < window:
        assert got.null_count() == n
        return
    want = savgol_filter(
        df["y"].to_numpy().astype(np.float64),
        window,
        polyorder,
        deriv=order,
        delta=spacing,
        mode="interp",
    )
    close(got.to_list(), list(want), rel=1e-5 if f32 else 1e-9)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), window_params, st.integers(0, 2**32 - 1))
def test_savgol_irregular_x_equals_a_per_window_fit(n: int, params: Any, seed: int) -> None:
    window, polyorder, order = params
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.1, 3.0, n)) + rng.uniform(-1e3, 1e3)
    y = rng.standard_normal(n)
    got = pl.DataFrame({"y": y, "x": x}).select(
        grad(pl.col("y")).savgol(x="x", window=window, polyorder=polyorder, order=order)
    )["y"]
    close(got.to_list(), savgol_count_ref(y, x, window, polyorder, order), rel=1e-8)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 30),
    st.floats(0.5, 12),
    st.sampled_from([(0, 0), (1, 1), (2, 1), (2, 2), (3, 1)]),
    st.integers(0, 2**32 - 1),
)
def test_savgol_width_window_equals_a_per_window_fit(
    n: int, width: float, params: Any, seed: int
) -> None:
    polyorder, order = params
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.1, 3.0, n))
    y = rng.standard_normal(n)
    got = pl.DataFrame({"y": y, "x": x}).select(
        pg.savgol("y", x="x", window=width, polyorder=polyorder, order=order)
    )["y"]
    close(got.to_list(), savgol_width_ref(y, x, width, polyorder, order), rel=1e-8)


@pytest.mark.parametrize("polyorder", [1, 2, 3, 4])
def test_savgol_is_exact_on_polynomials_of_its_degree(polyorder: int) -> None:
    rng = np.random.default_rng(polyorder)
    x = np.cumsum(rng.uniform(0.2, 1.5, 30))
    coef = rng.standard_normal(polyorder + 1)
    y = np.polyval(coef, x)
    df = pl.DataFrame({"y": y, "x": x})
    for order in range(polyorder + 1):
        want = np.polyval(np.polyder(coef, order), x)
        for window in (polyorder + 1 + (polyorder % 2), 9, 6.0):
            if isinstance(window, int) and window <= polyorder:
                continue
            got = df.select(pg.savgol("y", x="x", window=window, polyorder=polyorder, order=order))[
                "y"
            ]
            close(
                got.to_list(), [w if g is not None else None for g, w in zip(got, want)], rel=1e-8
            )
            assert got.null_count() < len(got)


def test_savgol_on_nanosecond_epochs_per_second() -> None:
    # A Datetime in ns near 2026: centring each window keeps the fit exact.
    t0 = 1_790_000_000_000_000_000
    rng = np.random.default_rng(7)
    ns = t0 + np.cumsum(rng.integers(1_000_000, 3_000_000_000, 40))
    sec = (ns - ns[0]) / 1e9
    y = 3.0 + 0.5 * sec - 0.01 * sec**2
    df = pl.DataFrame({"t": pl.Series(ns).cast(pl.Datetime("ns", "Europe/Paris")), "y": y})
    got = df.select(pg.savgol("y", x="t", window=7, polyorder=2))["y"]
    close(got.to_list(), list(0.5 - 0.02 * sec), rel=1e-9)
    per_min = df.select(pg.savgol("y", x="t", window="20s", polyorder=2, order=2, per="1m"))["y"]
    close(
        per_min.to_list(),
        savgol_width_ref(y, sec, 20.0, 2, 2)
        and [v * 3600 if v is not None else None for v in savgol_width_ref(y, sec, 20.0, 2, 2)],
        rel=1e-7,
    )
    td = df.select(pg.savgol("y", x="t", window=dt.timedelta(seconds=20), polyorder=2))["y"]
    close(td.to_list(), savgol_width_ref(y, sec, 20.0, 2, 1), rel=1e-8)


@pytest.mark.parametrize("ignore_nulls", [False, True])
def test_savgol_nulls(ignore_nulls: bool) -> None:
    rng = np.random.default_rng(3)
    n = 25
    x = np.cumsum(rng.uniform(0.5, 1.5, n))
    y = rng.standard_normal(n)
    null_y, null_x = {4, 13}, {20}
    df = pl.DataFrame(
        {
            "y": [None if i in null_y else v for i, v in enumerate(y)],
            "x": [None if i in null_x else v for i, v in enumerate(x)],
        }
    )
    for window in (5, 3.5):
        got = df.select(pg.savgol("y", x="x", window=window, ignore_nulls=ignore_nulls))[
            "y"
        ].to_list()
        bad = null_y | null_x
        if ignore_nulls:
            keep = [i for i in range(n) if i not in bad]
            ref = (savgol_count_ref if isinstance(window, int) else savgol_width_ref)(
                y[keep], x[keep], window, 2, 1
            )
            want: list[Any] = [None] * n
            for i, v in zip(keep, ref):
                want[i] = v
        else:
            full = (savgol_count_ref if isinstance(window, int) else savgol_width_ref)(
                y, x, window, 2, 1
            )
            want = []
            for i in range(n):
                if isinstance(window, int):
                    lo = min(max(i - window // 2, 0), n - window)
                    rows = range(lo, lo + window)
                else:
                    lo, hi = i, i + 1
                    while lo > 0 and abs(x[lo - 1] - x[i]) <= window / 2:
                        lo -= 1
                    while hi < n and abs(x[hi] - x[i]) <= window / 2:
                        hi += 1
                    rows = range(max(lo - 1, 0), min(hi + 1, n))  # a null next to the window counts
                want.append(None if bad & set(rows) else full[i])
        close(got, want, rel=1e-8)


def test_savgol_in_every_context() -> None:
    rng = np.random.default_rng(5)
    ids = rng.integers(0, 4, 60)
    df = pl.DataFrame(
        {"id": ids, "y": rng.standard_normal(60), "x": np.cumsum(rng.uniform(0.5, 1.5, 60))}
    )
    e = grad(pl.col("y")).savgol(x="x", window=5)
    own = df.select(pg.savgol("y", x="x", window=5).alias("g").over("id"))["g"]
    assert df.select(e.over("id"))["y"].to_list() == own.to_list()
    assert (
        df.select(pg.savgol("y", x="x", window=5, partition_by="id"))["y"].to_list()
        == own.to_list()
    )
    assert (
        df.lazy().select(e.over("id")).collect(engine="streaming")["y"].to_list() == own.to_list()
    )
    # Per group by hand.
    for k in range(4):
        sub = df.filter(pl.col("id") == k)
        want = savgol_count_ref(sub["y"].to_numpy(), sub["x"].to_numpy(), 5, 2, 1)
        close(own.filter(df["id"] == k).to_list(), want, rel=1e-8)
    # group_by().agg: a list per group.
    agg = df.group_by("id", maintain_order=True).agg(e)
    for k, got in zip(agg["id"], agg["y"]):
        assert got.to_list() == own.filter(df["id"] == k).to_list()
    # A non-row-wise input under .over is Polars' own.
    cs = pl.col("y").cum_sum()
    assert (
        df.select(grad(cs).savgol(window=3).over("id"))["y"].to_list()
        == df.select(grad(cs).savgol(window=3).alias("y").over("id"))["y"].to_list()
    )
    # List rows: each row its own series.
    lists = df.group_by("id", maintain_order=True).agg("y", "x")
    got = lists.select(grad(pl.col("y")).savgol(x="x", window=5))["y"]
    assert got.dtype == pl.List(pl.Float64)
    for row, k in zip(got, lists["id"]):
        assert row.to_list() == own.filter(df["id"] == k).to_list()


# ---------------------------------------------------------------- trapezoid


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 40), st.booleans(), st.integers(0, 2**32 - 1))
def test_cumulative_trapezoid_and_trapezoid_equal_scipy(n: int, with_x: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(n)
    x = np.cumsum(rng.uniform(-0.5, 2.0, n))  # not monotone
    df = pl.DataFrame({"y": y, "x": x})
    if with_x:
        got = df.select(pg.cumulative_trapezoid("y", x="x"))["y"].to_list()
        total = df.select(pg.trapezoid("y", x="x")).item()
        want = sp_cumtrapz(y, x, initial=0) if n else []
        want_total = sp_trapz(y, x)
    else:
        got = df.select(grad(pl.col("y")).cumulative_trapezoid(spacing=0.25))["y"].to_list()
        total = df.select(grad(pl.col("y")).trapezoid(spacing=0.25)).item()
        want = sp_cumtrapz(y, dx=0.25, initial=0) if n else []
        want_total = sp_trapz(y, dx=0.25)
    close(got, list(want), rel=1e-12)
    assert abs(total - want_total) <= 1e-12 * (1 + np.sum(np.abs(y)) * (np.ptp(x) if n else 1) * 2)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 12),
    st.integers(0, 6),
    st.booleans(),
    st.sampled_from(["list", "array"]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_trapezoid_of_list_and_array_rows_equals_numpy_per_row(
    rows: int, width: int, with_x: bool, kind: str, ignore_nulls: bool, seed: int
) -> None:
    # numpy.trapezoid(y, x, axis=-1): per series (here the whole column), the List of each
    # row's value, one per row after .explode(); null rows stay null, a null value makes
    # its row null (or is left out with ignore_nulls).
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((rows, width))
    x = np.cumsum(rng.uniform(0.1, 2.0, (rows, width)), axis=1)
    null_value = rows > 0 and width > 1 and rng.random() < 0.5
    y_rows: list[Any] = [list(r) for r in y]
    if null_value:
        y_rows[0][1] = None
    if rows > 1:
        y_rows[-1] = None
    dtype = pl.List(pl.Float64) if kind == "list" else pl.Array(pl.Float64, width)
    df = pl.DataFrame(
        {"y": pl.Series(y_rows, dtype=dtype), "x": pl.Series([list(r) for r in x], dtype=dtype)}
    )
    expr = pg.trapezoid("y", x="x" if with_x else None, ignore_nulls=ignore_nulls)
    if kind == "array" and width == 0:
        # Polars cannot hand a zero-width array to a plugin: refused with a clear error.
        with pytest.raises(pl.exceptions.ComputeError, match="an Array of width 0"):
            df.select(expr)
        return
    assert df.select(expr).schema == pl.Schema({"y": pl.List(pl.Float64)})
    got = df.select(expr.explode())["y"]
    if rows == 0:
        # Polars 1.x explodes an empty List to one null row, 2.x to none.
        assert got.dtype == pl.Float64 and got.to_list() in ([], [None])
        return
    assert got.dtype == pl.Float64 and got.len() == rows
    for i, value in enumerate(got.to_list()):
        if rows > 1 and i == rows - 1:
            assert value is None
            continue
        keep = np.ones(width, dtype=bool)
        if null_value and i == 0:
            if not ignore_nulls:
                assert value is None
                continue
            keep[1] = False
        # Without x a row's coordinates are its positions: a left-out value is a gap.
        coords = x[i] if with_x else np.arange(width, dtype=float)
        want = np.trapezoid(y[i][keep], coords[keep])
        assert value == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_trapezoid_integrals_by_hand_and_per_hour() -> None:
    t = pl.datetime_range(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1, 2), "30m", eager=True)
    df = pl.DataFrame({"t": t, "w": [100.0, 100.0, 200.0, 200.0, 0.0]})
    wh = df.select(pg.cumulative_trapezoid("w", x="t", per="1h"))["w"].to_list()
    assert wh == [0.0, 50.0, 125.0, 225.0, 275.0]
    assert df.select(pg.trapezoid("w", x="t", per="1h")).item() == 275.0
    assert df.select(pg.trapezoid("w", x="t")).item() == 275.0 * 3600  # default per second
    assert pl.DataFrame({"y": [5.0]}).select(pg.trapezoid("y")).item() == 0.0
    assert pl.DataFrame({"y": []}, schema={"y": pl.Float64}).select(pg.trapezoid("y")).item() == 0.0


def test_trapezoid_nulls_both_policies() -> None:
    df = pl.DataFrame({"y": [1.0, 2.0, None, 4.0, 5.0], "x": [0.0, 1.0, 2.0, 3.0, None]})
    assert df.select(pg.cumulative_trapezoid("y", x="x"))["y"].to_list() == [
        0.0,
        1.5,
        None,
        None,
        None,
    ]
    # The gap 1 -> 3 is one trapezoid (2 + 4) / 2 * 2; row 4 has no x.
    assert df.select(pg.cumulative_trapezoid("y", x="x", ignore_nulls=True))["y"].to_list() == [
        0.0,
        1.5,
        None,
        7.5,
        None,
    ]
    assert df.select(pg.trapezoid("y", x="x")).item() is None
    assert df.select(pg.trapezoid("y", x="x", ignore_nulls=True)).item() == 7.5
    # Without x, row positions times the spacing.
    assert df.select(pg.cumulative_trapezoid("y", ignore_nulls=True))["y"].to_list() == [
        0.0,
        1.5,
        None,
        7.5,
        12.0,
    ]


def test_trapezoid_per_group_and_cumulative_in_contexts() -> None:
    rng = np.random.default_rng(11)
    ids = rng.integers(0, 5, 80)
    df = pl.DataFrame(
        {"id": ids, "y": rng.standard_normal(80), "x": np.cumsum(rng.uniform(0.1, 1, 80))}
    )
    agg = df.group_by("id", maintain_order=True).agg(pg.trapezoid("y", x="x"))
    over = df.select(pg.trapezoid("y", x="x").over("id"))["y"]
    run = df.select(pg.cumulative_trapezoid("y", x="x", partition_by="id"))["y"]
    assert (
        df.select(grad(pl.col("y")).cumulative_trapezoid(x="x").over("id"))["y"].to_list()
        == run.to_list()
    )
    for k, total in zip(agg["id"], agg["y"]):
        sub = df.filter(pl.col("id") == k)
        assert total == pytest.approx(sp_trapz(sub["y"].to_numpy(), sub["x"].to_numpy()), rel=1e-12)
        assert set(over.filter(df["id"] == k).to_list()) == {total}
        close(
            run.filter(df["id"] == k).to_list(),
            list(sp_cumtrapz(sub["y"].to_numpy(), sub["x"].to_numpy(), initial=0)),
            rel=1e-12,
        )
    f32 = df.with_columns(pl.col("y", "x").cast(pl.Float32))
    assert f32.select(pg.trapezoid("y", x="x"))["y"].dtype == pl.Float32
    assert f32.select(pg.cumulative_trapezoid("y", x="x"))["y"].dtype == pl.Float32


@pytest.mark.parametrize("edge_order", [1, 2])
def test_integral_of_the_gradient_recovers_y(edge_order: int) -> None:
    # Linear y (edge_order 1) or quadratic y (edge_order 2): the gradient is
    # exact and linear, and the trapezoid rule is exact on it.
    rng = np.random.default_rng(edge_order)
    x = np.cumsum(rng.uniform(0.2, 2.0, 50))
    y = 1.5 - 2.0 * x + (0.3 * x**2 if edge_order == 2 else 0)
    df = pl.DataFrame({"y": y, "x": x})
    back = df.select(
        pg.cumulative_trapezoid(pg.gradient("y", x="x", edge_order=edge_order), x="x")
    )["y"]
    np.testing.assert_allclose(back.to_numpy(), y - y[0], rtol=1e-9, atol=1e-9 * np.abs(y).max())


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"window": 4}, ValueError, "odd positive integer"),
        ({"window": 0}, ValueError, "odd positive integer"),
        ({"window": -3}, ValueError, "odd positive integer"),
        ({"window": 5, "polyorder": 5}, ValueError, "polyorder must be less than window"),
        ({"window": 5, "polyorder": 2, "order": 3}, ValueError, "order must be at most polyorder"),
        ({"window": 5, "order": -1}, ValueError, "order must be at least 0"),
        ({"window": 5, "polyorder": 1.5}, TypeError, "polyorder must be an integer"),
        ({"window": True}, TypeError, "window must be"),
        ({"window": [5]}, TypeError, "window must be"),
        ({"window": 2.5}, ValueError, "needs x"),
        ({"window": "10m"}, ValueError, "needs x"),
    ],
)
def test_savgol_errors_at_build_time(kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        pg.savgol("y", **kwargs)


def test_savgol_window_errors_with_x() -> None:
    with pytest.raises(ValueError, match="fixed length"):
        pg.savgol("y", x="t", window="1mo")
    with pytest.raises(ValueError, match="finite positive"):
        pg.savgol("y", x="t", window=-1.0)
    df = pl.DataFrame(
        {"y": [1.0, 2.0, 3.0], "t": [dt.datetime(2026, 1, d) for d in (1, 2, 3)], "x": [1, 2, 3]}
    )
    with pytest.raises(pl.exceptions.ComputeError, match="give the window width as a duration"):
        df.select(pg.savgol("y", x="t", window=2.0))
    with pytest.raises(pl.exceptions.ComputeError, match="a duration window needs a temporal x"):
        df.select(pg.savgol("y", x="x", window="1d"))
    with pytest.raises(pl.exceptions.ComputeError, match="y column 's' has dtype String"):
        df.with_columns(s=pl.lit("a")).select(pg.trapezoid("s"))
    # A List y is integrated row by row (one-value rows integrate to 0.0, as in numpy).
    rows = df.select(pl.concat_list("y").alias("l")).select(pg.trapezoid("l").explode())
    assert rows["l"].to_list() == [0.0, 0.0, 0.0]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 30),
    st.sampled_from(["ns", "us", "ms"]),
    st.sampled_from([None, "UTC", "America/New_York"]),
    st.sampled_from([("1s", 1.0), ("1m", 60.0), ("1h", 3600.0)]),
    st.integers(0, 2**32 - 1),
)
def test_temporal_x_equals_the_references_on_seconds(
    n: int, unit: str, tz: str | None, per: tuple[str, float], seed: int
) -> None:
    """Datetime x of any unit and time zone, near 2026, in steps of 1 ms to 1 h: savgol
    (rows and a duration width) and the integrals equal the references on elapsed seconds."""
    rng = np.random.default_rng(seed)
    per_text, per_s = per
    step_ms = rng.integers(1, 3_600_000, n)
    ms = 1_790_000_000_000 + np.cumsum(step_ms)
    t = pl.Series(ms).cast(pl.Datetime("ms")).cast(pl.Datetime(unit))  # type: ignore[arg-type]
    if tz is not None:
        t = t.dt.replace_time_zone(tz)
    sec = (ms - ms[0]) / 1e3
    y = rng.standard_normal(n)
    df = pl.DataFrame({"t": t, "y": y})
    got = df.select(
        rows=pg.savgol("y", x="t", window=5, polyorder=2, per=per_text),
        width=pg.savgol("y", x="t", window="2h", polyorder=1, order=1, per=per_text),
        running=pg.cumulative_trapezoid("y", x="t", per=per_text),
        total=pg.trapezoid("y", x="t", per=per_text).first(),
    )
    in_per = [None if v is None else v * per_s for v in savgol_count_ref(y, sec, 5, 2, 1)]
    close(got["rows"].to_list(), in_per, rel=1e-7)
    width = [None if v is None else v * per_s for v in savgol_width_ref(y, sec, 7200.0, 1, 1)]
    close(got["width"].to_list(), width, rel=1e-7)
    close(got["running"].to_list(), list(sp_cumtrapz(y, sec / per_s, initial=0)), rel=1e-9)
    assert got["total"][0] == pytest.approx(sp_trapz(y, sec / per_s), rel=1e-9, abs=1e-9)
