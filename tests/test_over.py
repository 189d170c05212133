""".over() gives Polars' own values for every y and x; the one-pass route only for row-wise ones."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
from reference import collect, grad

import polars_gradient as pg
from polars_gradient._over import _OVER_KEYS, GradientExpr
from polars_gradient._rowwise import is_row_wise

Build = Callable[[pl.Expr, "pl.Expr | None"], pl.Expr]


def frame() -> pl.DataFrame:
    """Interleaved ids, irregular t, nulls in y, one group of one row."""
    rng = np.random.default_rng(12)
    n = 60
    labels = ["a", "b", "c", None]
    ids = [labels[i] for i in rng.integers(0, len(labels), size=n)]
    ids[-1] = "lonely"
    y = rng.normal(size=n).round(3).tolist()
    for i in (4, 17, 33):
        y[i] = None
    t = np.cumsum(rng.uniform(0.5, 2.0, size=n)).round(3).tolist()
    return pl.DataFrame({"id": ids, "y": y, "t": t, "k": rng.integers(0, 3, size=n)})


Y, T = pl.col("y"), pl.col("t")

# Inputs whose values under .over() depend on the group: Polars evaluates them per group.
NOT_ROW_WISE: dict[str, pl.Expr] = {
    "y / y.max()": Y / Y.max(),
    "y * y.sum()": Y * Y.sum(),
    "cum_sum": Y.cum_sum(),
    "cum_max": Y.cum_max(),
    "cum_count": Y.cum_count().cast(pl.Float64),
    "shift(1)": Y.shift(1),
    "diff": Y.diff(),
    "rank": Y.rank(),
    "rolling_mean(3)": Y.rolling_mean(3, min_samples=1),
    "ewm_mean": Y.ewm_mean(alpha=0.3),
    "fill_null(forward)": Y.fill_null(strategy="forward"),
    "interpolate": Y.interpolate(),
    "sort": Y.sort(),
    "reverse": Y.reverse(),
    "y * y.first()": Y * Y.first(),
    "y * y.mean()": Y * Y.mean(),
    "int_range(pl.len())": pl.int_range(pl.len()).cast(pl.Float64),
    "nested over": Y.cum_sum().over("k"),
    "y * pl.len()": Y * pl.len().cast(pl.Float64),
}

# As x: strictly increasing within every group whatever the group, so the gradient is finite.
NOT_ROW_WISE_X: dict[str, pl.Expr] = {
    "t / t.max()": T / T.max(),
    "t - t.min()": T - T.min(),
    "t.cum_sum()": T.cum_sum(),
    "t.cum_max() + t": T.cum_max() + T,
    "cum_count": T.cum_count().cast(pl.Float64),
    "rank": T.rank(),
    "t.shift(1).fill_null(0) + t": T.shift(1).fill_null(0) + T,
    "t.diff().fill_null(1).cum_sum()": T.diff().fill_null(1).cum_sum(),
    "rolling_mean(2) + t": T.rolling_mean(2, min_samples=1) + T,
    "ewm_mean + t": T.ewm_mean(alpha=0.3) + T,
    "sort": T.sort(),
    "-reverse": -T.reverse(),
    "t - t.first()": T - T.first(),
    "t - t.mean()": T - T.mean(),
    "int_range(pl.len())": pl.int_range(pl.len()).cast(pl.Float64),
    "nested over": T.rank().over("k") + T,
}

ROW_WISE: dict[str, pl.Expr] = {
    "column": Y,
    "arithmetic": (Y * 2 + 1) / 3 - T,
    "cast": Y.cast(pl.Float32),
    "abs, log": (Y.abs() + 1).log(),
    "fill_null(value)": Y.fill_null(0.0),
    "when/then": pl.when(Y > 0).then(Y).otherwise(-Y),
    "clip, sqrt": Y.clip(-1, 1).abs().sqrt(),
    "max_horizontal": pl.max_horizontal(Y, pl.lit(0.0)),
    "alias": (Y + 1).alias("z"),
}


# The README's list of fast forms, as the check reads them (dt.epoch is opaque to Polars 1.x).
FAST_FORMS: dict[str, pl.Expr] = {
    "sign, cbrt, pow": Y.sign() * Y.cbrt() ** 2,
    "exp, log1p, trig": Y.exp().log1p().sin().arctan().tanh(),
    "round, floor, ceil": Y.round(2) + Y.floor() - Y.ceil(),
    "fill_nan, is_nan": pl.when(Y.is_nan()).then(0.0).otherwise(Y.fill_nan(1.0)),
    "is_between, is_finite, not_": (Y.is_between(0, 1) & Y.is_finite().not_()).cast(pl.Float64),
    "replace, coalesce": pl.coalesce(Y.replace(1.0, 2.0), T),
    "horizontal": pl.sum_horizontal(Y, T) + pl.mean_horizontal(Y, T),
    "dt": pl.col("ts").dt.hour() + pl.col("ts").dt.timestamp("ms").cast(pl.Float64),
    "to_physical, struct.field": pl.col("d").to_physical() + pl.col("s").struct.field("a"),
    "name.keep": (Y * 2).name.keep(),
}


@pytest.mark.parametrize("case", list(FAST_FORMS))
def test_the_readme_fast_forms_are_row_wise(case: str) -> None:
    assert is_row_wise(FAST_FORMS[case])


def derivatives() -> list[tuple[str, Callable[..., pl.Expr]]]:
    return [
        ("gradient", lambda y, x: grad(y).gradient(x=x)),
        ("gradient2", lambda y, x: grad(y).gradient(x=x, edge_order=2)),
        ("derivative", lambda y, x: grad(y).derivative(x=x, order=2, accuracy=2)),
    ]


def polars_own(expr: pl.Expr, keys: Any) -> pl.Expr:
    # .alias() gives a plain polars.Expr, whose .over() is Polars' own per-group call.
    return expr.alias("out").over(keys)


def ours(expr: pl.Expr, keys: Any) -> pl.Expr:
    return expr.over(keys).alias("out")


def compare(df: pl.DataFrame, mine: pl.Expr, theirs: pl.Expr, lazy: bool) -> None:
    """The same frame, or the same error (Polars 1.x refuses a nested .over())."""

    def run(expr: pl.Expr) -> pl.DataFrame:
        if lazy:
            return collect(df.lazy().select(expr), "streaming")
        return df.select(expr)

    try:
        want = run(theirs)
    except pl.exceptions.PolarsError as error:
        with pytest.raises(type(error)):
            run(mine)
        return
    got = run(mine)
    assert got.equals(want), (got, want)


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
@pytest.mark.parametrize(
    ("name", "build"), derivatives(), ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("case", list(NOT_ROW_WISE))
def test_non_row_wise_y_gives_polars_own_over(
    case: str, name: str, build: Build, lazy: bool
) -> None:
    df = frame()
    y = NOT_ROW_WISE[case]
    expr = build(y, pl.col("t"))
    assert not isinstance(expr, GradientExpr)
    compare(df, ours(expr, "id"), polars_own(expr, "id"), lazy)


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
@pytest.mark.parametrize(
    ("name", "build"), derivatives(), ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("case", list(NOT_ROW_WISE_X))
def test_non_row_wise_x_gives_polars_own_over(
    case: str, name: str, build: Build, lazy: bool
) -> None:
    df = frame().drop_nulls("id")
    expr = build(pl.col("y"), NOT_ROW_WISE_X[case])
    assert not isinstance(expr, GradientExpr)
    compare(df, ours(expr, "id"), polars_own(expr, "id"), lazy)


@pytest.mark.parametrize("case", list(NOT_ROW_WISE))
def test_the_one_pass_route_would_differ(case: str) -> None:
    """The table is of inputs for which partition_by (whole frame, then split) differs."""
    df = frame()
    y = NOT_ROW_WISE[case]
    whole_then_split = df.select(grad(y).gradient(x="t", partition_by="id").alias("out"))
    try:
        per_group = df.select(polars_own(grad(y).gradient(x="t"), "id"))
    except pl.exceptions.InvalidOperationError:
        assert case == "nested over"  # Polars 1.x: no window inside a window
        return
    assert not whole_then_split.equals(per_group), case


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
@pytest.mark.parametrize(
    ("name", "build"), derivatives(), ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("case", list(ROW_WISE))
def test_row_wise_inputs_take_the_one_pass_route(
    case: str, name: str, build: Build, lazy: bool
) -> None:
    df = frame()
    expr = build(ROW_WISE[case], pl.col("t").cast(pl.Float64) * 1.5)
    assert isinstance(expr, GradientExpr)
    compare(df, ours(expr, "id"), polars_own(expr, "id"), lazy)
    compare(df, ours(expr, ["id", "k"]), polars_own(expr, ["id", "k"]), lazy)
    # The plan shows it: one plugin call with the keys as inputs, no window.
    plan = df.lazy().select(ours(expr, "id")).explain()
    assert ".over(" not in plan and "over(" not in plan, plan
    polars_plan = df.lazy().select(polars_own(expr, "id")).explain()
    assert "over(" in polars_plan, polars_plan


def test_keys_may_be_any_expression() -> None:
    """Polars evaluates the keys over the whole frame, so a computed key is still one pass."""
    df = frame()
    keys = [pl.col("k") % 2, pl.col("t").rank().cast(pl.Int64) // 10]
    expr = grad(pl.col("y")).gradient(x="t")
    assert isinstance(expr, GradientExpr)
    assert "over(" not in df.lazy().select(expr.over(keys)).explain()
    assert df.select(expr.over(keys)).equals(df.select(polars_own(expr, keys).alias("y")))


def test_over_options_other_than_keys_are_polars_own() -> None:
    df = frame().with_row_index("i")
    expr = grad(pl.col("y")).gradient(x="t")
    for kwargs in (
        {"order_by": "t"},
        {"order_by": pl.col("i"), "descending": True},
        {"mapping_strategy": "join"},
    ):
        built = expr.over("id", **kwargs)
        want = grad(pl.col("y")).gradient(x="t").alias("y").over("id", **kwargs)
        assert df.select(built).equals(df.select(want))
    # Given explicitly at their defaults, they still allow the one pass.
    built = expr.over("id", mapping_strategy="group_to_rows", order_by=None)
    assert "over(" not in df.lazy().select(built).explain()


def test_the_override_knows_every_parameter_of_polars_over() -> None:
    """Fails when pl.Expr.over gains a parameter: look at whether the one pass still holds.

    The override forwards every argument to Polars as given, and takes the one pass only
    when every parameter but the keys is at its default; a new parameter must be judged.
    """
    known = {"self", *_OVER_KEYS, "order_by", "descending", "nulls_last", "mapping_strategy"}
    params = set(inspect.signature(pl.Expr.over).parameters)
    assert params <= known, params - known
    assert {"self", "partition_by", "more_exprs", "order_by", "mapping_strategy"} <= params


def test_the_class_uses_no_private_polars_attribute() -> None:
    source = inspect.getsource(GradientExpr)
    assert "._pyexpr" not in source and "_from_pyexpr" not in source


@pytest.mark.parametrize("case", list(NOT_ROW_WISE))
def test_row_wise_check_refuses(case: str) -> None:
    assert not is_row_wise(NOT_ROW_WISE[case])


@pytest.mark.parametrize("case", list(ROW_WISE))
def test_row_wise_check_accepts(case: str) -> None:
    assert is_row_wise(ROW_WISE[case])


def test_the_issue_example() -> None:
    df = frame()
    wrong_before = df.select(grad(pl.col("y").cum_sum()).gradient(x="t").over("id"))
    right = df.select(grad(pl.col("y").cum_sum()).gradient(x="t").alias("g").over("id"))
    assert wrong_before["y"].equals(right["g"].alias("y"))
    # And by hand, for one group: Polars restarts cum_sum per group.
    a = df.filter(pl.col("id") == "a")
    by_hand = a.select(grad(pl.col("y").cum_sum()).gradient(x="t"))["y"]
    got = wrong_before.filter(df["id"] == "a")["y"]
    assert got.equals(by_hand)


# derivative_of and gradient_of: f must act row by row.
REFUSED: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "sum": lambda x: x.sum(),
    "x / x.max()": lambda x: x / x.max(),
    "cum_sum": lambda x: x.cum_sum(),
    "shift": lambda x: x.shift(1),
    "sort": lambda x: x.sort(),
    "x - x.mean()": lambda x: (x - x.mean()) ** 2,
    "rolling": lambda x: x.rolling_mean(2),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_derivative_of_refuses_f_that_reads_other_rows(case: str) -> None:
    with pytest.raises(ValueError, match="derivative_of: f must act row by row"):
        pg.derivative_of(REFUSED[case], "x")
    with pytest.raises(ValueError, match="gradient_of: f must act row by row"):
        pg.gradient_of(lambda x, y: REFUSED[case](x) + y, "x", "y")


def test_derivative_of_accepts_constants_from_other_columns() -> None:
    """A part that does not depend on the argument (a column's mean) is a constant."""
    df = pl.DataFrame({"x": [0.0, 1.0, 2.0], "a": [1.0, 2.0, 6.0]})
    out = df.select(pg.derivative_of(lambda x: x.sin() * pl.col("a").mean(), "x"))["x"]
    np.testing.assert_allclose(out.to_numpy(), 3.0 * np.cos([0.0, 1.0, 2.0]), rtol=1e-9)
    out = df.select(pg.derivative_of(lambda x: pl.lit(2.0), "x"))["x"]
    assert out.to_list() == [0.0, 0.0, 0.0]


def test_this_packages_row_wise_plugins_count_as_row_wise() -> None:
    """Our own element-wise plugin is row-wise; our gradient (reads neighbours) is not."""
    as_float = pg.derivative_of(lambda v: v.sin(), "x")
    assert is_row_wise(as_float)
    assert not is_row_wise(grad(pl.col("y")).gradient() * 2)
