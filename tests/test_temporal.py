"""Temporal coordinates with per=, against numpy on exact integer steps and against xarray."""

from __future__ import annotations

import datetime as dt
from typing import Any

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
import xarray as xr
from hypothesis import given, settings
from reference import assert_close, grad, np_gradient

import polars_gradient  # noqa: F401

UNIT_NS = {"ns": 1, "us": 1_000, "ms": 1_000_000}
PER_NS = {"1ns": 1, "250ms": 250_000_000, "1s": 10**9, "15m": 900 * 10**9, "1h": 3600 * 10**9}


def numpy_on_offsets(
    y: list[float], ticks: list[int], tick_ns: int, per_ns: int, edge: int
) -> list[float]:
    """numpy.gradient over exact integer offsets from the first tick, in units of per."""
    offsets = np.array([(t - ticks[0]) * tick_ns for t in ticks], dtype=np.float64) / per_ns
    return list(np_gradient(np.array(y), offsets, edge_order=edge).tolist())


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["ns", "us", "ms"]),
    st.sampled_from([None, "UTC", "Europe/Paris", "America/New_York"]),
    st.sampled_from(list(PER_NS)),
    st.sampled_from([1, 2]),
    st.lists(st.integers(1, 10**6), min_size=3, max_size=20),
    st.integers(0, 2**20),
)
def test_datetime_matches_numpy_on_integer_steps(
    unit: str, tz: str | None, per: str, edge: int, steps: list[int], seed: int
) -> None:
    start = 1_790_000_000 * 10**9 // UNIT_NS[unit]  # a 2026 epoch in the column's unit
    ticks = np.cumsum([start, *steps]).tolist()
    y = np.random.default_rng(seed).standard_normal(len(ticks)).tolist()
    t = pl.Series("t", ticks, dtype=pl.Int64).cast(pl.Datetime(unit))  # type: ignore[arg-type]
    if tz is not None:
        t = t.dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    df = pl.DataFrame({"t": t, "y": y})
    got = df.select(grad(pl.col("y")).gradient(x="t", per=per, edge_order=edge))["y"].to_list()
    want = numpy_on_offsets(y, ticks, UNIT_NS[unit], PER_NS[per], edge)
    assert_close(got, want, rtol=1e-9, atol=1e-9 * max(map(abs, want)))


@pytest.mark.parametrize(("per", "xr_unit"), [("1s", "s"), ("1h", "h"), ("1ms", "ms"), ("1d", "D")])
@pytest.mark.parametrize("unit", ["ns", "us", "ms"])
def test_datetime_matches_xarray(per: str, xr_unit: Any, unit: str) -> None:
    rng = np.random.default_rng(11)
    n = 50
    steps_ms = rng.integers(1, 3_600_000, n - 1)
    start = np.datetime64("2026-01-15T08:00:00", "ms")
    times = start + np.concatenate([[0], np.cumsum(steps_ms)]).astype("timedelta64[ms]")
    y = np.cumsum(rng.standard_normal(n))
    want = xr.DataArray(y, coords={"t": times.astype("datetime64[ns]")}, dims="t").differentiate(
        "t", datetime_unit=xr_unit
    )
    df = pl.DataFrame({"t": pl.Series(times).cast(pl.Datetime(unit)), "y": y})  # type: ignore[arg-type]
    got = df.select(grad(pl.col("y")).gradient(x="t", per=per))["y"].to_numpy()
    np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-9)


def test_default_per_is_one_second_and_timedelta_per() -> None:
    t = pl.datetime_range(
        dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1, 0, 0, 40), "10s", eager=True
    )
    df = pl.DataFrame({"t": t, "y": [0.0, 10.0, 20.0, 30.0, 40.0]})
    assert_close(df.select(grad(pl.col("y")).gradient(x="t"))["y"].to_list(), [1.0] * 5)
    got = df.select(grad(pl.col("y")).gradient(x="t", per=dt.timedelta(minutes=1)))["y"].to_list()
    assert_close(got, [60.0] * 5)
    got = df.select(grad(pl.col("y")).gradient(x="t", per="1m30s"))["y"].to_list()
    assert_close(got, [90.0] * 5)


def test_one_nanosecond_steps_are_exact() -> None:
    base = 1_790_000_000_123_456_789  # nanoseconds in 2026: float64 cannot hold each step
    t = pl.Series([base + i for i in range(6)], dtype=pl.Int64).cast(pl.Datetime("ns"))
    df = pl.DataFrame({"t": t, "y": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    assert df.select(grad(pl.col("y")).gradient(x="t", per="1ns"))["y"].to_list() == [1.0] * 6
    assert df.select(grad(pl.col("y")).gradient(x="t"))["y"].to_list() == [1e9] * 6
    # numpy on float64 epochs cannot resolve these steps at all.
    assert len(set(np.array([base + i for i in range(6)], dtype=np.float64))) < 6


def test_dst_change_uses_physical_elapsed_time() -> None:
    # Europe/Paris springs forward at 02:00 on 2026-03-29: 01:00 CET to 03:00 CEST is one hour.
    t = pl.datetime_range(
        dt.datetime(2026, 3, 29, 0),
        dt.datetime(2026, 3, 29, 5),
        "1h",
        time_zone="Europe/Paris",
        eager=True,
    )
    assert t.dt.hour().to_list() == [0, 1, 3, 4, 5]
    df = pl.DataFrame({"t": t, "y": [0.0, 1.0, 2.0, 3.0, 4.0]})
    got = df.select(grad(pl.col("y")).gradient(x="t", per="1h", edge_order=2))["y"].to_list()
    assert_close(got, [1.0] * 5)
    # In local wall-clock time the steps would be 1, 2, 1, 1 hours.
    wall = df.with_columns(t=pl.col("t").dt.replace_time_zone(None))
    got_wall = wall.select(grad(pl.col("y")).gradient(x="t", per="1h"))["y"].to_list()
    assert got_wall[1] != 1.0


def test_date_and_duration_coordinates() -> None:
    days = [0, 1, 3, 7, 8]
    dates = pl.Series([dt.date(2026, 1, 1) + dt.timedelta(days=d) for d in days])
    y = [0.0, 2.0, 3.0, 11.0, 12.0]
    df = pl.DataFrame({"d": dates, "y": y, "dur": (pl.Series(days) * 1000).cast(pl.Duration("ms"))})
    got = df.select(grad(pl.col("y")).gradient(x="d", per="1d", edge_order=2))["y"].to_list()
    assert_close(got, np_gradient(y, days, edge_order=2).tolist())
    got = df.select(grad(pl.col("y")).gradient(x="d"))["y"].to_list()  # per second
    assert_close(got, (np_gradient(y, days) / 86_400).tolist())
    # Duration: days*1000 milliseconds, per second.
    got = df.select(grad(pl.col("y")).gradient(x="dur", per="1s"))["y"].to_list()
    assert_close(got, np_gradient(y, np.array(days, dtype=float)).tolist())


def test_temporal_x_inside_groups() -> None:
    seconds = [0, 0, 60, 120, 180, 120]
    t = pl.Series([s * 1000 for s in seconds], dtype=pl.Int64).cast(pl.Datetime("ms"))
    df = pl.DataFrame({"k": [1, 2, 1, 1, 2, 2], "t": t, "y": [0.0, 5.0, 1.0, 3.0, 9.0, 7.0]})
    got = df.select(grad(pl.col("y")).gradient(x="t", per="1m").over("k"))["y"].to_list()
    own = df.select(grad(pl.col("y")).gradient(x="t", per="1m").alias("y").over("k"))["y"]
    assert got == own.to_list()
    one = np_gradient([0.0, 1.0, 3.0], [0, 1, 2])  # k=1, minutes
    two = np_gradient([5.0, 9.0, 7.0], [0, 3, 2])  # k=2, minutes (not sorted)
    assert_close(got, [one[0], two[0], one[1], one[2], two[1], two[2]])
    lists = df.group_by("k", maintain_order=True).agg(grad(pl.col("y")).gradient(x="t", per="1m"))
    assert_close(lists["y"][0].to_list(), [1.0, 1.5, 2.0])


@pytest.mark.parametrize("per", ["1mo", "1q", "1y", "2mo1d", "1i"])
def test_calendar_per_is_an_error(per: str) -> None:
    with pytest.raises(ValueError, match="per must have a fixed length"):
        grad(pl.col("y")).gradient(x="t", per=per)


@pytest.mark.parametrize("per", ["0s", "-1s", "1 s", "s", "", "1sec", dt.timedelta(0)])
def test_bad_per_values(per: object) -> None:
    with pytest.raises(ValueError, match="per must be"):
        grad(pl.col("y")).gradient(x="t", per=per)  # type: ignore[arg-type]


def test_per_of_the_wrong_type_or_without_x() -> None:
    with pytest.raises(TypeError, match="per must be a duration string"):
        grad(pl.col("y")).gradient(x="t", per=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="per is only for a temporal x, and no x was given"):
        grad(pl.col("y")).gradient(per="1s")


def test_per_with_a_numeric_x_is_an_error() -> None:
    df = pl.DataFrame({"y": [1.0, 2.0, 3.0], "x": [1.0, 2.0, 4.0]})
    with pytest.raises(
        pl.exceptions.PolarsError,
        match=r"per is only for a temporal x, but x column 'x' has dtype Float64",
    ):
        df.select(grad(pl.col("y")).gradient(x="x", per="1s"))


def test_time_of_day_is_not_a_coordinate() -> None:
    df = pl.DataFrame({"y": [1.0, 2.0], "t": [dt.time(1), dt.time(2)]})
    with pytest.raises(pl.exceptions.PolarsError, match=r"x column 't' has dtype Time; accepted"):
        df.select(grad(pl.col("y")).gradient(x="t"))
