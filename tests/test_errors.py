"""Bad input gets a clear exception: at build time from Python, at run time from the plugin."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest
from reference import grad

import polars_gradient as pg


@pytest.mark.parametrize("edge_order", [0, 3, -1])
def test_edge_order_out_of_range(edge_order: int) -> None:
    with pytest.raises(ValueError, match=r"edge_order must be 1 or 2, got"):
        grad(pl.col("y")).gradient(edge_order=edge_order)


@pytest.mark.parametrize("edge_order", [1.5, 2.0, True, "2", None])
def test_edge_order_not_an_int(edge_order: object) -> None:
    with pytest.raises(TypeError, match=r"edge_order must be the integer 1 or 2, got"):
        grad(pl.col("y")).gradient(edge_order=edge_order)  # type: ignore[arg-type]


@pytest.mark.parametrize("spacing", [0, 0.0, -0.0, float("nan"), float("inf"), -float("inf")])
def test_spacing_zero_or_not_finite(spacing: float) -> None:
    with pytest.raises(ValueError, match=r"spacing must be a finite, non-zero number"):
        grad(pl.col("y")).gradient(spacing=spacing)


@pytest.mark.parametrize("spacing", ["1", True, [1.0], pl.lit(1.0)])
def test_spacing_not_a_number(spacing: object) -> None:
    with pytest.raises(TypeError, match=r"spacing must be a finite, non-zero number"):
        grad(pl.col("y")).gradient(spacing=spacing)  # type: ignore[arg-type]


def test_x_and_spacing_together() -> None:
    with pytest.raises(ValueError, match=r"either x or spacing, not both"):
        grad(pl.col("y")).gradient(x="t", spacing=2.0)
    with pytest.raises(ValueError, match=r"either x or spacing, not both"):
        pg.gradient("y", "t", spacing=1.0)


def test_x_of_the_wrong_python_type() -> None:
    with pytest.raises(TypeError, match=r"x must be a column name \(str\) or a polars expression"):
        grad(pl.col("y")).gradient(x=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"y must be a column name"):
        pg.gradient(1.0)  # type: ignore[arg-type]


BAD_COLUMNS = {
    "s": pl.Series(["a", "b", "c"]),
    "b": pl.Series([True, False, True]),
    "st": pl.Series([{"a": 1}, {"a": 2}, {"a": 3}]),
    "l": pl.Series([["a"], ["b"], ["c"]]),
    "t": pl.Series([dt.time(1), dt.time(2), dt.time(3)]),
}
# A List(Float64) y is a column of series; as x beside a plain y it is an error.
BAD_X_COLUMNS = {**BAD_COLUMNS, "l": pl.Series([[1.0], [2.0], [3.0]])}


@pytest.mark.parametrize("col", list(BAD_COLUMNS))
def test_bad_y_dtype_names_column_dtype_and_accepted(col: str) -> None:
    s = BAD_COLUMNS[col]
    df = pl.DataFrame({col: s, "x": [1.0, 2.0, 3.0]})
    dtype = re.escape(str(s.dtype))
    pattern = rf"y column '{col}' has dtype {dtype}; accepted: an integer, float or decimal column"
    with pytest.raises(pl.exceptions.PolarsError, match=pattern):
        df.select(grad(pl.col(col)).gradient())
    with pytest.raises(pl.exceptions.PolarsError, match=pattern):
        df.lazy().select(grad(pl.col(col)).gradient(x="x")).collect()


@pytest.mark.parametrize("col", list(BAD_X_COLUMNS))
def test_bad_x_dtype_names_column_dtype_and_accepted(col: str) -> None:
    s = BAD_X_COLUMNS[col]
    df = pl.DataFrame({"y": [1.0, 2.0, 3.0], col: s})
    dtype = re.escape(str(s.dtype))
    accepted = "an integer, float, decimal, Date, Datetime or Duration column"
    pattern = rf"x column '{col}' has dtype {dtype}; accepted: {accepted}"
    with pytest.raises(pl.exceptions.PolarsError, match=pattern):
        df.select(grad(pl.col("y")).gradient(x=col))


def test_x_of_a_different_length() -> None:
    df = pl.DataFrame({"y": [1.0, 2.0, 3.0], "t": [1.0, 2.0, 3.0]})
    with pytest.raises(
        pl.exceptions.PolarsError, match=r"x column 't' has length 2 but y column 'y' has length 3"
    ):
        df.select(grad(pl.col("y")).gradient(x=pl.col("t").head(2)))


def test_errors_are_not_panics() -> None:
    df = pl.DataFrame({"y": ["a", "b"]})
    with pytest.raises(pl.exceptions.PolarsError) as info:
        df.select(grad(pl.col("y")).gradient())
    assert "PANIC" not in str(info.value).upper()


# Numbers as numpy takes them: numpy scalars and 0-d arrays are numbers, a bool is not,
# and a timedelta is not a spacing.

SPACING_TAKERS = {
    "gradient": lambda v: pg.gradient("y", spacing=v),
    "derivative": lambda v: pg.derivative("y", order=2, spacing=v),
    "savgol": lambda v: pg.savgol("y", window=3, spacing=v),
    "cumulative_trapezoid": lambda v: pg.cumulative_trapezoid("y", spacing=v),
    "trapezoid": lambda v: pg.trapezoid("y", spacing=v),
    "gradient_horizontal": lambda v: pg.gradient_horizontal("y", "z", spacing=v),
}


@pytest.mark.parametrize("name", list(SPACING_TAKERS))
@pytest.mark.parametrize(
    "value", [np.timedelta64(5, "ns"), np.timedelta64(5, "s"), dt.timedelta(seconds=5)]
)
def test_a_timedelta_is_not_a_spacing(name: str, value: object) -> None:
    with pytest.raises(
        TypeError,
        match=rf"{name}: spacing must be a finite, non-zero number.*"
        "a timedelta is not a number",
    ):
        SPACING_TAKERS[name](value)


@pytest.mark.parametrize("name", list(SPACING_TAKERS))
@pytest.mark.parametrize("value", [np.array(3.0), np.float32(2), np.int64(4), np.array(2)])
def test_numpy_numbers_are_spacings(name: str, value: object) -> None:
    df = pl.DataFrame({"y": [1.0, 4.0, 9.0, 16.0, 25.0], "z": [2.0, 3.0, 5.0, 7.0, 11.0]})
    got = df.select(SPACING_TAKERS[name](value))
    want = df.select(SPACING_TAKERS[name](float(value)))  # type: ignore[arg-type]
    assert got.equals(want)


@pytest.mark.parametrize("name", list(SPACING_TAKERS))
@pytest.mark.parametrize("value", [np.bool_(True), np.array(True), True])
def test_a_bool_is_not_a_spacing(name: str, value: object) -> None:
    with pytest.raises(TypeError, match="spacing must be a finite, non-zero number"):
        SPACING_TAKERS[name](value)


def test_numpy_numbers_as_step_window_and_order() -> None:
    df = pl.DataFrame({"x": [0.5, 1.0, 2.0], "y": [1.0, 4.0, 9.0]})
    f = lambda v: v.sin()  # noqa: E731
    want = df.select(pg.derivative_of(f, "x", step=0.25, order=2))
    for step, order in ((np.float64(0.25), np.int64(2)), (np.array(0.25), np.array(2))):
        assert df.select(pg.derivative_of(f, "x", step=step, order=order)).equals(want)  # type: ignore[arg-type]
    want = df.select(pg.savgol("y", window=3, polyorder=1, order=1))
    for window in (np.int64(3), np.array(3), np.int32(3)):
        got = df.select(pg.savgol("y", window=window, polyorder=np.int8(1), order=np.array(1)))  # type: ignore[arg-type]
        assert got.equals(want)
    # A float window is a width in x's units, numpy's or Python's.
    widths = [pg.savgol("y", x="x", window=w, polyorder=1) for w in (1.5, np.float32(1.5))]  # type: ignore[arg-type]
    assert df.select(widths[0]).equals(df.select(widths[1]))
    assert df.select(pg.derivative("y", order=np.int64(2), accuracy=np.array(2))).equals(  # type: ignore[arg-type]
        df.select(pg.derivative("y", order=2, accuracy=2))
    )
    for bad in (np.bool_(True), np.array(False)):
        with pytest.raises(TypeError, match="derivative_of: step must be"):
            pg.derivative_of(f, "x", step=bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="derivative_of: order must be an integer"):
            pg.derivative_of(f, "x", order=bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="savgol: window must be"):
            pg.savgol("y", window=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="derivative: order must be an integer"):
        pg.derivative("y", order=np.float64(2.0))  # type: ignore[arg-type]


def test_numpy_timedeltas_as_durations() -> None:
    t = [dt.datetime(2026, 1, 1, 0, m) for m in (0, 1, 3, 4, 6)]
    df = pl.DataFrame({"t": t, "y": [0.0, 1.0, 4.0, 3.0, 0.0]})
    assert df.select(pg.gradient("y", x="t", per=np.timedelta64(1, "m"))).equals(  # type: ignore[arg-type]
        df.select(pg.gradient("y", x="t", per="1m"))
    )
    assert df.select(pg.savgol("y", x="t", window=np.timedelta64(3, "m"), polyorder=1)).equals(  # type: ignore[arg-type]
        df.select(pg.savgol("y", x="t", window="3m", polyorder=1))
    )
    with pytest.raises(ValueError, match="per must have a fixed length"):
        pg.gradient("y", x="t", per=np.timedelta64(1, "M"))  # type: ignore[arg-type]
