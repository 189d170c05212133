"""Bad input gets a clear exception: at build time from Python, at run time from the plugin."""

from __future__ import annotations

import datetime as dt
import re

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
