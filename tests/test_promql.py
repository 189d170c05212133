"""Prometheus' own test data: every float evaluation of the rate family in its promqltest files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from promql.reader import Case, almost_equal, read
from reference import grad

import polars_gradient as pg

DATA = Path(__file__).parent / "data" / "prometheus"
FILES = sorted(DATA.glob("*.test"))
CASES = [case for f in FILES for case in read(f)[0]]


def frame(case: Case) -> pl.DataFrame:
    """Each selected series' samples and a null row at the end of each time's window
    (``offset`` before the query's time, or the ``@`` time)."""
    rows: list[tuple[int, int, float | None]] = []
    for sid, samples in enumerate(case.series.values()):
        rows += [(sid, t, v) for t, v in samples]
        rows += [(sid, end, None) for end in case.ends]
    schema = {"s": pl.Int64, "t": pl.Int64, "v": pl.Float64}
    df = pl.DataFrame(rows, schema=schema, orient="row")
    return df.with_columns(pl.col("t").cast(pl.Datetime("ms"))).sort("s", "t", maintain_order=True)


def evaluate(case: Case, df: pl.DataFrame, route: str) -> list[list[float | None]]:
    """Our values at the evaluation rows, per selected series."""
    kwargs: dict[str, object] = {"window": dt.timedelta(milliseconds=case.window_ms)}
    if case.ahead is not None:
        kwargs["ahead"] = dt.timedelta(seconds=case.ahead)
    method = getattr(grad(pl.col("v")), case.function)
    if route == "over":
        expr = method(x="t", **kwargs).over("s")
    else:
        expr = method(x="t", partition_by="s", **kwargs)
    out = df.with_row_index("row").with_columns(out=expr).filter(pl.col("v").is_null())
    # Back to the order of the query's times (ends may repeat, as with @).
    values = []
    for sid in range(len(case.series)):
        part = out.filter(pl.col("s") == sid)
        at = dict(zip(part["t"].dt.epoch("ms").to_list(), part["out"].cast(pl.Float64).to_list()))
        values.append([at[end] for end in case.ends])
    return values


def test_the_test_data_is_read() -> None:
    # Guards the reader: it must find the float cases of every function in the data.
    assert len(CASES) >= 100
    assert {c.function for c in CASES} == {
        "rate",
        "increase",
        "delta",
        "irate",
        "idelta",
        "deriv",
        "predict_linear",
        "resets",
        "changes",
    }
    assert sum(len(c.times) * len(c.series) for c in CASES) >= 300


@pytest.mark.parametrize("route", ["over", "partition_by"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c.where} {c.query}" for c in CASES])
def test_prometheus_case(case: Case, route: str) -> None:
    df = frame(case)
    got = evaluate(case, df, route) if case.series else []
    labels = list(case.series)
    for key in case.expected:
        assert key in case.series, f"{case.where}: expected series {dict(key)} is not selected"
    for key, values in zip(labels, got):
        want = case.expected.get(key, [None] * len(case.times))
        for t, w, g in zip(case.times, want, values):
            where = f"{case.where} {case.query} {dict(key)} at {t / 1000:g}s"
            if w is None:
                assert g is None, f"{where}: PromQL gives no value, we give {g}"
            else:
                assert g is not None, f"{where}: PromQL gives {w}, we give null"
                assert almost_equal(w, g), f"{where}: PromQL gives {w}, we give {g}"


def test_window_none_matches_a_window_holding_everything() -> None:
    # window=None is the whole series without extrapolation; with a window reaching
    # back past the first sample and the evaluation at the last, the plain difference
    # functions agree with it (no extrapolation happens at a sample on the edge).
    df = pl.DataFrame({"t": [0, 10, 20, 30], "v": [5.0, 7.0, 1.0, 4.0]})
    for name in ["idelta", "irate", "resets", "changes", "deriv"]:
        whole = df.select(getattr(pg, name)("v", "t")).item()
        windowed = df.select(getattr(pg, name)("v", "t", window=1000))["v"][-1]
        assert whole == pytest.approx(windowed, rel=1e-12), name
