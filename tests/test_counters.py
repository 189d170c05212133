"""The rate family against a plain per-window reading of PromQL's rules (tests/promql/reference.py):
random irregular series with resets, NaN, gaps and evaluation rows, interleaved; every context."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Literal

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from polars.testing import assert_frame_equal, assert_series_equal
from promql import reference
from reference import grad

import polars_gradient as pg

FUNCTIONS = [
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "deriv",
    "predict_linear",
    "resets",
    "changes",
]
EPOCH_MS = 1_764_000_000_000  # late 2025, in ms: large timestamps


def close(got: float | None, want: float | None, rel: float = 1e-9, tol: float = 0.0) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return abs(got - want) <= rel * max(abs(want), 1e-300) + 1e-12 + tol


@st.composite
def metrics(draw: st.DrawFn) -> pl.DataFrame:
    """Several series interleaved in time: irregular scrapes (with gaps), counters with
    resets, some NaN samples and some evaluation rows (null values)."""
    rows: list[tuple[int, int, float | None]] = []
    for s in range(draw(st.integers(1, 4))):
        t = EPOCH_MS + draw(st.integers(0, 30_000))
        value = draw(st.sampled_from([0.0, 5.0, 1e6]))
        for _ in range(draw(st.integers(0, 40))):
            t += draw(st.sampled_from([1, 5_000, 15_000, 15_000, 15_001, 29_999, 120_000]))
            kind = draw(st.sampled_from(["up"] * 6 + ["reset", "nan", "eval", "flat"]))
            if kind == "up":
                value += draw(st.floats(0, 100, allow_nan=False))
            elif kind == "reset":
                value = draw(st.floats(0, 10, allow_nan=False))
            if kind == "eval":
                rows.append((s, t, None))
                t -= 1  # an evaluation row may share its time with a sample
            else:
                rows.append((s, t, math.nan if kind == "nan" else value))
    schema = {"s": pl.Int64, "t": pl.Int64, "v": pl.Float64}
    df = pl.DataFrame(rows, schema=schema, orient="row").sort("t", "s", maintain_order=True)
    return df.with_columns(pl.col("t").cast(pl.Datetime("ms")))


def expected(
    df: pl.DataFrame, function: str, window_s: float | None, ahead_s: float
) -> list[float | None]:
    """The reference's value at every row of ``df``, series by series, in row order."""
    out: list[float | None] = [None] * df.height
    idx = df.with_row_index("i")
    for part in idx.partition_by("s"):
        t = [x - EPOCH_MS for x in part["t"].dt.epoch("ms").to_list()]
        window = None if window_s is None else round(window_s * 1000)
        values = reference.series(function, t, part["v"].to_list(), window, ahead_s, 1000.0)
        for i, v in zip(part["i"].to_list(), values):
            out[i] = v
    return out


def check(
    got: list[float | None],
    want: list[float | None],
    what: str,
    rel: float = 1e-9,
    tol: list[float] | None = None,
) -> None:
    for i, (g, w) in enumerate(zip(got, want)):
        t = 0.0 if tol is None else tol[i]
        assert close(g, w, rel, t), f"{what}: row {i}: got {g}, want {w} (tolerance {t})"


def slope_tolerance(df: pl.DataFrame, window_s: int, ahead_s: float) -> list[float]:
    """Each row's rounding allowance for a least-squares result (see reference.slope_scales),
    for the line ``ahead_s`` on as well as its slope."""
    out: list[float] = [0.0] * df.height
    for part in df.with_row_index("i").partition_by("s"):
        t = [x - EPOCH_MS for x in part["t"].dt.epoch("ms").to_list()]
        scales = reference.slope_scales(t, part["v"].to_list(), window_s * 1000, 1000.0)
        for i, sc in zip(part["i"].to_list(), scales):
            out[i] = sc * (1.0 + window_s + abs(ahead_s))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    df=metrics(),
    function=st.sampled_from(FUNCTIONS),
    window_s=st.sampled_from([1, 15, 60, 300, 3600]),
    ahead_s=st.sampled_from([0, 600, -30]),
)
def test_windowed_matches_the_reference(
    df: pl.DataFrame, function: str, window_s: int, ahead_s: int
) -> None:
    kwargs: dict[str, object] = {"window": dt.timedelta(seconds=window_s)}
    if function == "predict_linear":
        kwargs["ahead"] = dt.timedelta(seconds=ahead_s)
    want = expected(df, function, window_s, ahead_s)
    # The reference's least squares are exact; ours round (as any float sums would).
    line = function in ("deriv", "predict_linear")
    rel = 1e-7 if line else 1e-9
    tol = slope_tolerance(df, window_s, ahead_s) if line else None
    method = getattr(grad(pl.col("v")), function)
    over = df.select(method(x="t", **kwargs).over("s"))["v"].cast(pl.Float64).to_list()
    check(over, want, f"{function} .over", rel, tol)
    part = df.select(method(x="t", partition_by="s", **kwargs))["v"].cast(pl.Float64)
    check(part.to_list(), want, f"{function} partition_by", rel, tol)
    # Streaming, lazily, with the frame in several chunks.
    chunked = pl.concat(
        [df.head(df.height // 2), df.tail(df.height - df.height // 2)], rechunk=False
    )
    lazy = (
        chunked.lazy()
        .select(method(x="t", **kwargs).over("s"))
        .collect(engine="streaming")["v"]
        .cast(pl.Float64)
    )
    check(lazy.to_list(), want, f"{function} streaming", rel, tol)
    # The same in numbers: x in ms, window in ms, results per ms.
    numeric = df.with_columns(pl.col("t").dt.epoch("ms"))
    nkw: dict[str, object] = {"window": window_s * 1000}
    if function == "predict_linear":
        nkw["ahead"] = ahead_s * 1000
    per_ms = numeric.select(method(x="t", **nkw).over("s"))["v"].cast(pl.Float64).to_list()
    scale = 1000.0 if function in ("rate", "irate", "deriv") else 1.0
    scaled = [None if g is None else g * scale for g in per_ms]
    check(scaled, want, f"{function} numeric", 1e-7, tol)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=metrics(), function=st.sampled_from(FUNCTIONS))
def test_window_none_is_one_value_per_group(df: pl.DataFrame, function: str) -> None:
    ahead = {"ahead": "10m"} if function == "predict_linear" else {}
    expr = getattr(grad(pl.col("v")), function)(x="t", **ahead)
    got = df.group_by("s", maintain_order=True).agg(expr)
    for s, value in got.iter_rows():
        part = df.filter(pl.col("s") == s)
        t = [(x - EPOCH_MS) / 1000 for x in part["t"].dt.epoch("ms").to_list()]
        points = [(ti, vi) for ti, vi in zip(t, part["v"].to_list()) if vi is not None]
        if function == "predict_linear":
            # evaluated at the group's last row (an evaluation row may follow the samples)
            want = reference.window_value(function, points, t[-1], None, 600.0)
        else:
            want = reference.window_value(function, points, t[-1] if t else 0.0, None)
        rel = 1e-7 if function in ("deriv", "predict_linear") else 1e-9
        assert close(None if value is None else float(value), want, rel), (s, value, want)
    # The same values broadcast by .over, and in select for one series.
    over = df.select(expr.over("s"))["v"]
    by_group = dict(got.iter_rows())
    broadcast = pl.Series("v", [by_group[s] for s in df["s"].to_list()], dtype=over.dtype)
    assert_series_equal(over, broadcast)


def test_window_none_in_group_by_dynamic() -> None:
    df = pl.DataFrame(
        {
            "t": [dt.datetime(2026, 1, 1, 0, m) for m in range(0, 60, 5)],
            "c": [0.0, 10, 20, 30, 5, 15, 25, 35, 45, 1, 2, 3],
        }
    )
    got = df.group_by_dynamic("t", every="30m").agg(
        inc=grad(pl.col("c")).increase(x="t"),
        n=grad(pl.col("c")).resets(x="t"),
        r=grad(pl.col("c")).rate(x="t", per="1m"),
    )
    # 0..25 min: 0 10 20 30 5 15 -> 15 - 0 + 30; 30..55: 25 35 45 1 2 3 -> 3 - 25 + 45
    assert got["inc"].to_list() == [45.0, 23.0]
    assert got["n"].to_list() == [1, 1]
    assert got["r"].to_list() == pytest.approx([45.0 / 25, 23.0 / 25], rel=1e-15)


def test_counter_extrapolation_rules_by_hand() -> None:
    # PromQL's documented rules on one window of 60 s: samples at 15, 30, 45, 60 s.
    df = pl.DataFrame({"t": [15, 30, 45, 60], "c": [30.0, 60.0, 5.0, 35.0]})
    inc = df.select(pg.increase("c", "t", window=60))["c"][-1]
    # 35 - 30 + 60 = 65 over 45 s; the first sample 15 s after the start (< 1.1 * 15):
    # extrapolated to the start; the last at the end.
    assert inc == pytest.approx(65 * 60 / 45, rel=1e-15)
    # Zero cut-off: from 1 at t=60 to 11 at t=70 in (0, 70]: zero 1 s before the first.
    z = pl.DataFrame({"t": [60, 70], "c": [1.0, 11.0]})
    assert z.select(pg.increase("c", "t", window=70))["c"][-1] == pytest.approx(11.0)
    # delta has no cut-off: half an interval (5 s) before the first sample.
    assert z.select(pg.delta("c", "t", window=70))["c"][-1] == pytest.approx(15.0)


def test_temporal_units_per_and_dtypes() -> None:
    base = dt.datetime(2026, 1, 1)
    t = [base + dt.timedelta(seconds=15 * k) for k in range(9)]
    df = pl.DataFrame({"t": t, "c": [float(10 * k) for k in range(9)]})
    units: list[Literal["ms", "us", "ns"]] = ["ms", "us", "ns"]
    for unit in units:
        d = df.with_columns(pl.col("t").cast(pl.Datetime(unit, "Europe/Berlin")))
        r = d.select(grad(pl.col("c")).rate(x="t", window="1m"))["c"].to_list()
        assert r[4:] == pytest.approx([10 / 15] * 5)
        per_min = d.select(grad(pl.col("c")).rate(x="t", window="1m", per="1m"))["c"]
        assert per_min.to_list()[4:] == pytest.approx([40.0] * 5)
    # Integer, Float32 and Decimal values; the counts are UInt32.
    dtypes: list[pl.DataType] = [pl.Int32(), pl.Float32(), pl.Decimal(10, 2), pl.UInt8()]
    for dtype in dtypes:
        d = df.with_columns(pl.col("c").cast(dtype))
        out = d.select(
            r=grad(pl.col("c")).rate(x="t", window="1m"),
            n=grad(pl.col("c")).changes(x="t", window="1m"),
        )
        assert out.schema == pl.Schema({"r": pl.Float64, "n": pl.UInt32})
        assert out["r"].to_list()[4:] == pytest.approx([10 / 15] * 5)
    # Date and Duration x.
    days = pl.DataFrame({"d": [dt.date(2026, 1, k) for k in range(1, 6)], "c": [0.0, 1, 2, 3, 4]})
    r = days.select(grad(pl.col("c")).rate(x="d", window="2d", per="1d"))["c"].to_list()
    assert r == [None, 0.5, 1.0, 1.0, 1.0]  # row 1: not extrapolated below zero
    dur = days.with_columns(pl.col("d") - pl.date(2026, 1, 1))
    assert dur.select(grad(pl.col("c")).rate(x="d", window="2d", per="1d"))["c"].to_list() == r


def test_large_timestamps_lose_nothing() -> None:
    # Nanosecond epochs: a slope of 1e-9 a second over 5 minutes of 15 s scrapes.
    t0 = 1_764_000_000_000_000_000
    n = 400
    df = pl.DataFrame(
        {
            "t": pl.Series([t0 + k * 15_000_000_000 for k in range(n)]).cast(pl.Datetime("ns")),
            "y": [1e9 + 1e-9 * 15 * k + (0.5 if k % 2 else 0.0) for k in range(n)],
        }
    )
    got = df.select(grad(pl.col("y")).deriv(x="t", window="5m"))["y"].to_list()
    t = [k * 15 for k in range(n)]
    want = reference.series("deriv", t, df["y"].to_list(), 300)
    check(got, want, "deriv at 1.7e18 ns", rel=1e-6)


def test_list_rows_are_series() -> None:
    df = pl.DataFrame({"t": [[0, 15, 30, 45], [0, 10]], "c": [[0.0, 30.0, 60.0, 5.0], [1.0, None]]})
    got = df.select(grad(pl.col("c")).irate(x="t", window=60))["c"].to_list()
    assert got == [[None, 2.0, 2.0, 5.0 / 15], [None, None]]


def test_range_query_is_promql_on_a_grid() -> None:
    base = dt.datetime(2026, 1, 1)
    rows = [("a", base + dt.timedelta(seconds=15 * k), float(10 * k)) for k in range(20)] + [
        ("b", base + dt.timedelta(seconds=30 * k + 7), float(3 * k)) for k in range(10)
    ]
    df = pl.DataFrame(rows, schema=["id", "t", "c"], orient="row")
    out = pg.range_query(
        df,
        rate=grad(pl.col("c")).rate(x="t", window="1m"),
        x="t",
        by="id",
        start=base + dt.timedelta(minutes=1),
        end=base + dt.timedelta(minutes=4),
        step="1m",
    )
    assert out.columns == ["id", "t", "rate"]
    assert out.height == 8
    # Each value is the windowed rate of that series' samples at that time (reference).
    for key, t, value in out.iter_rows():
        part = df.filter(pl.col("id") == key)
        end = (t - base).total_seconds()
        pts = [((ti - base).total_seconds(), v) for ti, v in zip(part["t"], part["c"])]
        pts = [p for p in pts if end - 60 < p[0] <= end]
        assert close(value, reference.window_value("rate", pts, end, 60.0)), (key, t)
    lazy = pg.range_query(
        df.lazy(),
        grad(pl.col("c")).increase(x="t", window="2m"),
        x="t",
        by=["id"],
        start=base,
        end=base + dt.timedelta(minutes=2),
        step=dt.timedelta(seconds=30),
    )
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().height == 10


def test_unwrap_counter() -> None:
    df = pl.DataFrame({"s": [1, 1, 2, 1, 2, 1], "c": [5.0, 7.0, 100.0, 2.0, 50.0, math.nan]})
    got = df.select(grad(pl.col("c")).unwrap_counter(partition_by="s"))["c"].to_list()
    assert got[:5] == [5.0, 7.0, 100.0, 9.0, 150.0]
    assert math.isnan(got[5])
    # The unwrapped counter's gradient has no spikes.
    g = df.filter(pl.col("s") == 1).select(grad(grad(pl.col("c")).unwrap_counter()).gradient())
    assert g["c"].to_list()[:2] == [2.0, 2.0]


def test_clear_errors() -> None:
    df = pl.DataFrame({"t": [0, 20, 10], "c": [1.0, 2.0, 3.0]})
    with pytest.raises(pl.exceptions.ComputeError, match="must be ascending within each series"):
        df.select(pg.rate("c", "t", window=30))
    # Ascending within each series is enough.
    ok = pl.DataFrame({"s": [1, 2, 1], "t": [0, 5, 10], "c": [1.0, 2.0, 3.0]})
    ok.select(pg.rate("c", "t", window=30, partition_by="s"))
    with pytest.raises(pl.exceptions.ComputeError, match="must be ascending"):
        pl.DataFrame({"s": [1, 1, 2], "t": [10, 5, 0], "c": [1.0, 2.0, 3.0]}).select(
            pg.rate("c", "t", window=30).over("s")
        )
    nulls = pl.DataFrame({"t": [0, None], "c": [1.0, 2.0]})
    with pytest.raises(pl.exceptions.ComputeError, match="null value"):
        nulls.select(pg.rate("c", "t", window=30))
    temporal = pl.DataFrame({"t": [dt.datetime(2026, 1, 1)], "c": [1.0]})
    with pytest.raises(pl.exceptions.ComputeError, match="give the window width as a duration"):
        temporal.select(pg.rate("c", "t", window=30))
    with pytest.raises(pl.exceptions.ComputeError, match="a duration window needs a temporal x"):
        df.select(pg.rate("c", "t", window="5m"))
    with pytest.raises(ValueError, match="window must be a finite positive number"):
        pg.rate("c", "t", window=0)
    with pytest.raises(ValueError, match="calendar unit"):
        pg.rate("c", "t", window="1mo")
    with pytest.raises(TypeError, match="window must be a number"):
        pg.rate("c", "t", window=True)
    with pytest.raises(TypeError, match="ahead"):
        pg.predict_linear("c", "t", window=3)  # type: ignore[call-arg]
    with pytest.raises(pl.exceptions.ComputeError, match="give ahead as a duration"):
        temporal.select(pg.predict_linear("c", "t", window="1m", ahead=5))
    with pytest.raises(pl.exceptions.ComputeError, match="per is only for a temporal x"):
        df.select(pg.rate("c", "t", window=30, per="1s"))
    strings = pl.DataFrame({"t": [0, 1], "c": ["a", "b"]})
    with pytest.raises(pl.exceptions.ComputeError, match="'c' has dtype String"):
        strings.select(pg.rate("c", "t", window=30))


def test_decimal_window_and_numpy_numbers() -> None:
    np = pytest.importorskip("numpy")
    df = pl.DataFrame({"t": [0.0, 0.5, 1.0], "c": [0.0, 1.0, 2.0]})
    a = df.select(pg.increase("c", "t", window=np.float64(1.0)))
    b = df.select(pg.increase("c", "t", window=1))
    assert_frame_equal(a, b)


def test_window_none_of_list_rows_and_delta() -> None:
    df = pl.DataFrame({"t": [[0, 10, 20], [0, 5]], "c": [[5.0, 7.0, 1.0], [1.0, None]]})
    inc = df.select(grad(pl.col("c")).increase(x="t"))
    assert inc.schema == pl.Schema({"c": pl.List(pl.Float64)})
    assert df.select(grad(pl.col("c")).increase(x="t").explode())["c"].to_list() == [3.0, None]
    resets = df.select(grad(pl.col("c")).resets(x="t").explode())["c"].to_list()
    assert resets == [1, 0]
    with pytest.raises(pl.exceptions.ComputeError, match="delta: y column 'c' has dtype List"):
        df.select(grad(pl.col("c")).delta(x="t"))
    # delta is Polars' last() - first() of the samples: rows with a value and an x.
    g = pl.DataFrame({"t": [0, 1, None, 3], "c": [None, 2.0, 9.0, 5.0]})
    assert g.select(grad(pl.col("c")).delta(x="t")).item() == 3.0


def test_rate_beyond_one_machine(tmp_path: Path) -> None:
    # sink_parquet with by= (the windows have no bound in rows: per key, through buckets)
    # gives the in-memory values.
    rng = np.random.default_rng(3)
    n = 5_000
    df = pl.DataFrame(
        {
            "s": rng.integers(0, 7, n),
            "t": np.arange(n) * 1000 + rng.integers(0, 999, n),
            "c": np.cumsum(rng.exponential(1.0, n)),
        }
    )
    expr = grad(pl.col("c")).rate(x="t", window=30_000).over("s")
    want = df.with_columns(r=expr)
    path = tmp_path / "out.parquet"
    pg.sink_parquet(df.lazy(), path, by="s", r=expr)
    got = pl.read_parquet(path).sort("t")
    assert_frame_equal(got.select("s", "t", "c", "r"), want.sort("t").select("s", "t", "c", "r"))
    with pytest.raises(ValueError, match="may read rows without bound"):
        pg.sink_parquet(
            df.lazy(), tmp_path / "no.parquet", r=grad(pl.col("c")).rate(x="t", window=30_000)
        )


def test_windowed_in_group_by_agg_and_group_by_dynamic() -> None:
    base = dt.datetime(2026, 1, 1)
    df = pl.DataFrame(
        {
            "s": ["a", "b"] * 8,
            "t": [base + dt.timedelta(seconds=15 * (k // 2)) for k in range(16)],
            "c": [float(k * k % 7 + k) for k in range(16)],
        }
    )
    expr = grad(pl.col("c")).rate(x="t", window="30s")
    over = df.with_columns(r=expr.over("s"))
    agg = df.group_by("s", maintain_order=True).agg(expr.alias("r")).explode("r")
    for key in ["a", "b"]:
        want = over.filter(pl.col("s") == key)["r"].to_list()
        assert agg.filter(pl.col("s") == key)["r"].to_list() == want
    # group_by_dynamic: each one-minute window of each series is a series of its own.
    dyn = df.sort("t").group_by_dynamic("t", every="1m", group_by="s").agg(r=expr).sort("s", "t")
    first = df.filter((pl.col("s") == "a") & (pl.col("t") < base + dt.timedelta(minutes=1)))
    assert dyn["r"][0].to_list() == first.select(expr)["c"].to_list()
