"""Hostile frames through the Python layer, drawn by hypothesis.

Every dtype Polars has, as ``y``, ``x`` and keys; lengths 0 to 6 with nulls, NaN and
infinities; sliced and multi-chunk frames; ``x`` and keys of another length; eager, lazy
(the streaming engine), ``.over`` and ``partition_by``. Each query must either give a
column of the predicted dtype and length, or raise a Polars exception whose message names
the offending column and its dtype (or length) — never a panic, a crash or a hang.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
import polars as pl
from hypothesis import event, given, settings
from reference import collect

import polars_gradient as pg
from polars_gradient._plugin import _PLUGIN_ON_IMPLODED

Draw = Callable[[st.DrawFn, int], pl.Series]
INTS = ["Int8", "Int16", "Int32", "Int64", "Int128", "UInt8", "UInt16", "UInt32", "UInt64"]
INTS += ["UInt128"]
FLOATS = ["Float16", "Float32", "Float64"]


def small(draw: st.DrawFn, n: int) -> list[int | None]:
    return draw(st.lists(st.one_of(st.none(), st.integers(-3, 3)), min_size=n, max_size=n))


def ints(name: str) -> Draw:
    def make(draw: st.DrawFn, n: int) -> pl.Series:
        values = small(draw, n)
        if name.startswith("U"):
            values = [None if v is None else abs(v) for v in values]
        return pl.Series(values, dtype=pl.Int64).cast(getattr(pl, name))

    return make


def floats(name: str) -> Draw:
    def make(draw: st.DrawFn, n: int) -> pl.Series:
        any_float = st.floats(
            allow_nan=True, allow_infinity=True, width=32 if name == "Float32" else 64
        )
        values = draw(st.lists(st.one_of(st.none(), any_float), min_size=n, max_size=n))
        if name == "Float16":  # hypothesis' half floats overflow Polars' own cast; use small ints
            return pl.Series(small(draw, n), dtype=pl.Float64).cast(pl.Float16)
        return pl.Series(values, dtype=getattr(pl, name))

    return make


def from_small(convert: Callable[[pl.Series], pl.Series]) -> Draw:
    def make(draw: st.DrawFn, n: int) -> pl.Series:
        return convert(pl.Series(small(draw, n), dtype=pl.Int64))

    return make


def lists(inner: pl.DataType, width: int | None = None) -> Draw:
    def make(draw: st.DrawFn, n: int) -> pl.Series:
        rows: list[list[int | None] | None] = []
        for _ in range(n):
            if draw(st.booleans()) and width is None:
                rows.append(None)
            else:
                rows.append(small(draw, width if width is not None else draw(st.integers(0, 4))))
        dtype = pl.List(pl.Int64) if width is None else pl.Array(pl.Int64, width)
        s = pl.Series(rows, dtype=dtype)
        return s.cast(pl.List(inner) if width is None else pl.Array(inner, width))

    return make


def objects(draw: st.DrawFn, n: int) -> pl.Series:
    return pl.Series([object() for _ in range(n)], dtype=pl.Object)


CATEGORIES = [str(v) for v in range(-3, 4)]
KINDS: dict[str, Draw] = {
    **{name: ints(name) for name in INTS if hasattr(pl, name)},
    **{name: floats(name) for name in FLOATS if hasattr(pl, name)},
    "Decimal": from_small(lambda s: s.cast(pl.Decimal(10, 2))),
    "Boolean": from_small(lambda s: s % 2 == 0),
    "String": from_small(lambda s: s.cast(pl.String)),
    "Binary": from_small(lambda s: s.cast(pl.String).cast(pl.Binary)),
    "Categorical": from_small(lambda s: s.cast(pl.String).cast(pl.Categorical)),
    "Enum": from_small(lambda s: s.cast(pl.String).cast(pl.Enum(CATEGORIES))),
    "Date": from_small(lambda s: s.cast(pl.Date)),
    "Datetime[ns]": from_small(lambda s: (s * 10**9).cast(pl.Datetime("ns"))),
    "Datetime[ms, UTC]": from_small(
        lambda s: s.cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
    ),
    "Datetime[us, Kolkata]": from_small(
        lambda s: (s * 3_600 * 10**6).cast(pl.Datetime("us")).dt.replace_time_zone("Asia/Kolkata")
    ),
    "Duration[us]": from_small(lambda s: s.cast(pl.Duration("us"))),
    "Time": from_small(lambda s: (s.abs() * 10**9).cast(pl.Time)),
    "Null": from_small(lambda s: pl.Series(s.name, [None] * len(s))),
    "List[Float64]": lists(pl.Float64()),
    "List[Int8]": lists(pl.Int8()),
    "List[String]": lists(pl.String()),
    "List[Datetime]": lists(pl.Datetime("ms")),
    "Array[Float32, 2]": lists(pl.Float32(), width=2),
    "Struct": from_small(lambda s: pl.DataFrame({"a": s}).to_struct(s.name)),
    "Object": objects,
}


def is_number(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Null


def is_coordinate(dtype: pl.DataType) -> bool:
    return is_number(dtype) or isinstance(dtype, (pl.Date, pl.Datetime, pl.Duration))


def nested_inner(dtype: pl.DataType) -> pl.DataType | None:
    if isinstance(dtype, (pl.List, pl.Array)):
        return dtype.inner  # type: ignore[return-value]
    return None


def shown(dtype: pl.DataType) -> str:
    """How the message shows a dtype: as Python prints it (Object reaches a plugin as
    Binary; Categorical without the ordering some Polars versions print)."""
    if dtype == pl.Object:
        return "Binary"
    return "Categorical" if isinstance(dtype, pl.Categorical) else str(dtype)


@st.composite
def hostile(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 6))
    y_kind = draw(st.sampled_from(sorted(KINDS)))
    x_kind = draw(st.one_of(st.none(), st.sampled_from(sorted(KINDS))))
    key_kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), max_size=2))
    columns = {"y": KINDS[y_kind](draw, n).alias("y")}
    if x_kind is not None:
        columns["x"] = KINDS[x_kind](draw, n).alias("x")
    for i, kind in enumerate(key_kinds):
        columns[f"k{i}"] = KINDS[kind](draw, n).alias(f"k{i}")
    frame = pl.DataFrame(columns)
    layout = draw(st.sampled_from(["plain", "sliced", "chunked"]))
    if layout == "sliced" and n:
        pad = pl.concat([frame.head(1), frame, frame.head(1)])
        frame = pad.slice(1, n)
    elif layout == "chunked" and n >= 2:
        cut = draw(st.integers(1, n - 1))
        frame = pl.concat([frame.slice(0, cut), frame.slice(cut)], rechunk=False)
    # Sometimes x or the first key comes from another frame, of another length.
    other = {}
    if x_kind is not None and draw(st.integers(0, 5)) == 0:
        other["x"] = KINDS[x_kind](draw, draw(st.integers(0, 7))).alias("x")
    if key_kinds and draw(st.integers(0, 5)) == 0:
        other["k0"] = KINDS[key_kinds[0]](draw, draw(st.integers(0, 7))).alias("k0")
    return {
        "frame": frame,
        "has_x": x_kind is not None,
        "keys": [f"k{i}" for i in range(len(key_kinds))],
        "other_length": other,
        "method": draw(
            st.one_of(
                st.fixed_dictionaries({"edge_order": st.sampled_from([1, 2])}),
                st.fixed_dictionaries(
                    {"order": st.integers(1, 3), "accuracy": st.sampled_from([2, 4])}
                ),
                st.fixed_dictionaries(
                    {
                        "savgol": st.just(True),
                        "window": st.sampled_from([1, 3, 5]),
                        "order": st.integers(0, 1),
                    }
                ),
                st.fixed_dictionaries({"integral": st.sampled_from(["cumulative", "total"])}),
            )
        ),
        "ignore_nulls": draw(st.booleans()),
        "context": draw(st.sampled_from(["eager", "lazy", "over", "partition_by"])),
    }


def column(case: dict[str, Any], name: str) -> pl.Expr:
    """The column, or the same column drawn again at another length (another frame)."""
    if name in case["other_length"]:
        return pl.lit(case["other_length"][name])
    return pl.col(name)


POLARS_OVER = "Polars' own .over()"
# Polars 1.x's own .over() panics (in polars-row) on a List key of another length, with or
# without this package: `pl.col("y").cum_sum().over([list_key_of_length_5, binary_key])`.
POLARS_OVER_MAY_PANIC = int(pl.__version__.split(".")[0]) < 2


def expected_error(case: dict[str, Any]) -> str | None:
    """The message the query must fail with (a regex), or None if it must succeed."""
    frame: pl.DataFrame = case["frame"]
    y = frame.schema["y"]
    x = frame.schema.get("x")
    y_inner = nested_inner(y)
    x_object = "x" in case["other_length"] and case["other_length"]["x"].dtype == pl.Object
    objects = y == pl.Object or x == pl.Object or x_object
    if is_total(case) and objects and _PLUGIN_ON_IMPLODED:
        # trapezoid implodes its inputs (one value per series or group): Polars refuses to
        # implode an Object column before the plugin sees it, and that is its own answer.
        # (Before Polars 1.28 the plugin implodes them itself, and sees Object as Binary.)
        return "maybe: cannot implode 'object' dtype"
    if not (is_number(y) or (y_inner is not None and is_number(y_inner))):
        return rf"y column 'y' has dtype {re.escape(shown(y))}; accepted"
    if x is not None:
        x_inner = nested_inner(x)
        if y_inner is None and not is_coordinate(x):
            return rf"x column 'x' has dtype {re.escape(shown(x))}; accepted"
        if y_inner is not None and x_inner is None:
            dtype = re.escape(shown(x))
            return rf"y column 'y' is a .* so x must be a List or Array .* has dtype {dtype}"
        if y_inner is not None and not (x_inner is not None and is_coordinate(x_inner)):
            return rf"x column 'x' has dtype {re.escape(shown(x))}; accepted with a List or Array y"
    n = frame.height
    if "x" in case["other_length"] and case["context"] == "over" and case["keys"]:
        # x is then a literal Series, not row-wise: Polars' own .over() evaluates it
        # within each group, and whether and how that fails is Polars' own answer.
        return POLARS_OVER
    for name, series in case["other_length"].items():
        length = len(series)
        if name != "x" and is_total(case) and case["context"] == "over":
            # trapezoid has no one-pass route: .over is Polars' own, and so is its error.
            return POLARS_OVER
        # trapezoid takes no partition_by: there the key is not used.
        contexts = ("over",) if is_total(case) else ("over", "partition_by")
        used = name == "x" or case["context"] in contexts
        if used and length != n:
            what = "x" if name == "x" else "partition_by"
            return rf"{what} column '{name}' has length {length} but y column 'y' has length {n}"
    if y_inner is not None and x is not None:
        return "maybe: each row of x must have as many values as the row of y"
    return None


def is_total(case: dict[str, Any]) -> bool:
    """A ``trapezoid``: one value per series (and no ``partition_by``)."""
    return bool(case["method"].get("integral") == "total")


def build(case: dict[str, Any]) -> pl.Expr:
    method = dict(case["method"])
    x = column(case, "x") if case["has_x"] else None
    keys = [column(case, k) for k in case["keys"]] or None
    options: dict[str, Any] = {"ignore_nulls": case["ignore_nulls"]}
    if case["context"] == "partition_by":
        options["partition_by"] = keys
    if method.pop("savgol", False):
        method["order"] = order = min(method["order"], method["window"] - 1)
        polyorder = min(method["window"] - 1, order + 1)
        expr = pg.savgol("y", x, **method, polyorder=polyorder, **options)
    elif method.get("integral") == "cumulative":
        expr = pg.cumulative_trapezoid("y", x, **options)
    elif is_total(case):
        options.pop("partition_by", None)  # trapezoid has none: the whole column
        expr = pg.trapezoid("y", x, **options)
    elif "order" in method:
        expr = pg.derivative("y", x, **method, **options)
    else:
        expr = pg.gradient("y", x, **method, **options)
    if case["context"] == "over" and keys:
        expr = expr.over(keys)
    return expr


def predicted_dtype(frame: pl.DataFrame) -> pl.DataType:
    y, x = frame.schema["y"], frame.schema.get("x")
    y_inner, x_inner = nested_inner(y), None if x is None else nested_inner(x)
    f32 = (y_inner or y) == pl.Float32 and (x is None or (x_inner or x) == pl.Float32)
    out: pl.DataType = pl.Float32() if f32 else pl.Float64()
    if isinstance(y, pl.Array):
        return pl.Array(out, y.size)
    return pl.List(out) if isinstance(y, pl.List) else out


@settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "2000")), deadline=None)
@given(hostile())
def test_hostile_frames_work_or_name_the_column_and_dtype(case: dict[str, Any]) -> None:
    frame: pl.DataFrame = case["frame"]
    want_error = expected_error(case)
    lazy = case["context"] == "lazy"
    try:
        expr = build(case)
        out = collect(frame.lazy().select(expr), "streaming") if lazy else frame.select(expr)
    except BaseException as e:
        if want_error == POLARS_OVER and POLARS_OVER_MAY_PANIC:
            return
        if not isinstance(e, pl.exceptions.PolarsError):
            # A Rust panic reaches Python as pyo3's PanicException (a BaseException): a
            # failure of this test, which hypothesis then shrinks.
            assert type(e).__name__ != "PanicException", f"panic: {e}"
            raise
        message = str(e)
        event("error", message.split("has")[0][-30:])
        assert "panic" not in message.lower(), message
        assert want_error is not None, f"unexpected error: {message}"
        if want_error == POLARS_OVER:
            return
        if want_error.startswith("maybe: "):
            assert want_error.removeprefix("maybe: ") in message, message
        else:
            assert re.search(want_error, message), f"\n want: {want_error}\n got:  {message}"
        return
    assert want_error is None or want_error == POLARS_OVER or want_error.startswith("maybe: "), (
        f"no error, wanted {want_error}"
    )
    event("works", str(out.schema["y"]))
    assert out.columns == ["y"]
    over = case["context"] == "over" and case["keys"]
    # trapezoid: one value per series (for a List or Array y, the List of its rows' values).
    per_row = nested_inner(frame.schema["y"]) is not None
    assert out.height == (1 if is_total(case) and not over else frame.height)
    want = predicted_dtype(frame)
    if is_total(case) and per_row:
        want = pl.List(nested_inner(want) or want)
    assert out.schema["y"] == want
