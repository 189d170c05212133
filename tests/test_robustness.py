"""Every dtype as y, x and key either works or raises a Polars exception; threads; scale."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from reference import grad, np_gradient

import polars_gradient as pg

COLUMNS = {
    "i8": pl.Series([1, 2, 3], dtype=pl.Int8),
    "u64": pl.Series([1, 2, 3], dtype=pl.UInt64),
    "i128": pl.Series([1, 2, 3], dtype=pl.Int128),
    "f32": pl.Series([1, 2, 3], dtype=pl.Float32),
    "dec": pl.Series([decimal.Decimal("1.5"), decimal.Decimal("2"), decimal.Decimal("3")]),
    "str": pl.Series(["a", "b", "c"]),
    "bool": pl.Series([True, False, True]),
    "date": pl.Series([dt.date(2026, 1, d) for d in (1, 2, 4)]),
    "dtm": pl.Series([dt.datetime(2026, 1, 1, h) for h in (1, 2, 4)]),
    "dur": pl.Series([dt.timedelta(1), dt.timedelta(2), dt.timedelta(4)]),
    "time": pl.Series([dt.time(1), dt.time(2), dt.time(3)]),
    "cat": pl.Series(["a", "b", "a"], dtype=pl.Categorical),
    "enum": pl.Series(["a", "b", "a"], dtype=pl.Enum(["a", "b"])),
    "null": pl.Series([None, None, None]),
    "list": pl.Series([[1.0], [2.0], [3.0]]),
    "arr": pl.Series([[1.0, 2.0]] * 3, dtype=pl.Array(pl.Float64, 2)),
    "struct": pl.Series([{"a": 1}] * 3),
    "bin": pl.Series([b"a", b"b", b"c"]),
}
FRAME = pl.DataFrame(COLUMNS)
NUMBERS = {"i8", "u64", "i128", "f32", "dec", "null"}
COORDINATES = NUMBERS | {"date", "dtm", "dur"}
NESTED = {"list", "arr"}


def run(expr: pl.Expr) -> str:
    try:
        FRAME.select(expr)
    except pl.exceptions.PolarsError as e:
        assert "panic" not in str(e).lower(), e
        return "error"
    return "ok"


@pytest.mark.parametrize("col", list(COLUMNS))
def test_every_dtype_as_y_x_and_key(col: str) -> None:
    assert run(grad(pl.col(col)).gradient()) == ("ok" if col in NUMBERS | NESTED else "error")
    assert run(grad(pl.col(col)).derivative(order=2)) == (
        "ok" if col in NUMBERS | NESTED else "error"
    )
    assert run(grad(pl.col("f32")).gradient(x=col)) == ("ok" if col in COORDINATES else "error")
    # Any dtype Polars can group by is a key.
    assert run(grad(pl.col("f32")).gradient(partition_by=col)) == "ok"
    assert run(grad(pl.col("f32")).gradient().over(col)) == "ok"


def test_empty_all_null_and_tiny_frames() -> None:
    for n in range(4):
        df = pl.DataFrame({"y": [None] * n, "x": list(range(n)), "k": [1] * n}).cast(
            {"y": pl.Float64}
        )
        for e in (
            grad(pl.col("y")).gradient(x="x", partition_by="k"),
            grad(pl.col("y")).gradient(ignore_nulls=True),
            grad(pl.col("y")).derivative(order=2, accuracy=4),
        ):
            out = df.select(e)["y"]
            assert out.to_list() == [None] * n


def test_the_same_query_from_eight_threads() -> None:
    rng = np.random.default_rng(8)
    df = pl.DataFrame(
        {
            "k": rng.integers(0, 50, 200_000),
            "y": rng.standard_normal(200_000),
            "x": np.cumsum(rng.uniform(0.1, 1.0, 200_000)),
        }
    )
    query = df.lazy().select(
        a=grad(pl.col("y")).gradient(x="x").over("k"),
        b=grad(pl.col("y")).gradient(),
        c=grad(pl.col("y")).derivative(x="x", order=2, accuracy=4, partition_by="k"),
    )
    want = query.collect()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: query.collect(), range(16)))
    for got in results:
        assert got.equals(want)


def test_a_million_one_row_groups_and_one_ten_million_row_group() -> None:
    n = 1_000_000
    df = pl.DataFrame({"k": np.arange(n), "y": np.ones(n)})
    out = df.select(grad(pl.col("y")).gradient().over("k"))["y"]
    assert out.null_count() == n
    big = 10_000_000
    y = np.arange(big, dtype=np.float64) ** 2 / big
    out = pl.DataFrame({"k": np.zeros(big, dtype=np.int32), "y": y}).select(
        grad(pl.col("y")).gradient(edge_order=2).over("k")
    )["y"]
    np.testing.assert_allclose(
        out.to_numpy()[[0, 1, big // 2, -1]], np_gradient(y, edge_order=2)[[0, 1, big // 2, -1]]
    )


def test_sliced_and_multi_chunk_inputs() -> None:
    base = pl.DataFrame({"y": np.arange(100.0) ** 2, "x": np.arange(100.0)})
    sliced = base.slice(10, 50)
    chunked = pl.concat([sliced.slice(0, 20), sliced.slice(20, 30)], rechunk=False)
    want = np_gradient(sliced["y"].to_numpy(), sliced["x"].to_numpy(), edge_order=2)
    for frame in (sliced, chunked):
        got = frame.select(grad(pl.col("y")).gradient(x="x", edge_order=2))["y"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)
        horizontal = frame.select(pg.gradient_horizontal("y", "x").alias("g")).unnest("g")
        np.testing.assert_allclose(horizontal["y"], (frame["x"] - frame["y"]).to_numpy())


def test_outputs_do_not_share_the_inputs_buffers() -> None:
    # Polars 1.x before 1.40 frees a plugin's input buffers after the call. An output that pointed
    # into them (derivative_of's Float64 conversion once did) read freed memory: wrong,
    # changing numbers in that query and in later ones.
    x = pl.col("x")
    plain = pl.when(x.is_not_null()).then(2.0 * pl.max_horizontal((2.718 + x.abs()).log(), 1.0))
    for _ in range(10):
        rows = [[1.0, 2.0, 4.0], None, [1.0, 3.0, 5.0]]
        df = pl.DataFrame(
            {"x": [0.0, 1.0, 2.0], "l": rows, "a": pl.Series(rows, dtype=pl.Array(pl.Float64, 3))}
        )
        out = df.select(
            d=pg.derivative_of(lambda v: v.sin(), "x"),
            g=grad(pl.col("l")).gradient(),
            a=grad(pl.col("a")).gradient(),
            p=x + plain,
        )
        np.testing.assert_allclose(out["d"].to_numpy(), np.cos([0.0, 1.0, 2.0]), rtol=1e-9)
        assert out["g"].to_list() == out["a"].to_list() == [[1.0, 1.5, 2.0], None, [2.0] * 3]
        assert out["p"][0] == 2.0


@pytest.mark.parametrize("options", [[], ["x"], ["x", "nulls"]], ids=["y", "y+x", "y+x+nulls"])
def test_a_hundred_million_rows_peak_memory(options: list[str]) -> None:
    # Alone in a fresh process, so the peak is this query's (tests/scripts/peak_memory.py).
    script = Path(__file__).parent / "scripts" / "peak_memory.py"
    run = subprocess.run(
        [sys.executable, str(script), str(100_000_000), *options],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    m = json.loads(run.stdout)
    data = m["inputs"] + m["output"]
    # The whole process: at most the inputs, the output and 10% more.
    assert m["extra"] <= 1.10 * data, m
    # The call itself: the output and at most 10% of the data more.
    assert m["call"] <= m["output"] + 0.10 * data, m


def _new_threads(n: int, work: str, max_threads: str) -> int:
    """How many threads ``work`` starts in a fresh process with ``POLARS_MAX_THREADS``
    set (``df``: ``n`` rows in groups of 10; Polars' own pools started first)."""
    script = f"""
import os, numpy as np, polars as pl, polars_gradient  # noqa: F401
def threads():
    return len(os.listdir("/proc/self/task"))
n = {n}
df = pl.DataFrame({{"id": np.repeat(np.arange(n // 10), 10), "y": np.arange(n) * 0.5}})
df.group_by("id").agg(pl.col("y").sum())  # Polars' own pools started
before = threads()
{work}
print(threads() - before)
"""
    env = {**os.environ, "POLARS_MAX_THREADS": max_threads}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    return int(run.stdout.strip())


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_polars_max_threads_bounds_the_plugins_threads() -> None:
    # One Polars thread asked for: our calls start at most the one thread of our copy
    # of Polars' pool (before, rayon's global pool started one thread per core).
    work = """
for by in (None, "id"):
    df.select(pl.col("y").grad.gradient(partition_by=by))
    df.select(pl.col("y").grad.savgol(window=5, polyorder=2, partition_by=by))
"""
    assert _new_threads(1_000_000, work, "1") <= 1


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_calls_on_few_rows_stay_on_the_calling_thread() -> None:
    # Polars calls the plugin once per group in group_by().agg(): each call is small
    # and runs where it is called. Handing each one to our copy of Polars' pool (which
    # starts its threads on first use) made such loops several times slower.
    work = """
out = df.group_by("id").agg(pl.col("y").grad.gradient())  # one plugin call per group
assert out["y"].list.len().sum() == n
"""
    assert _new_threads(20_000, work, "2") == 0
