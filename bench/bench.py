"""Benchmark polars-gradient against numpy, pandas and hand-written Polars expressions.

    python bench/bench.py            # the full sizes (10M rows; a few minutes)
    python bench/bench.py --quick    # 10x smaller, one repetition: a smoke test

Every candidate's numbers are checked against ours before it is timed. Times are the best
of several runs, in seconds; "ratio" is the candidate's time over the reference named in
each workload (below 1 means faster than the reference).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl

import polars_gradient  # noqa: F401

Y, X, ID = pl.col("y"), pl.col("x"), pl.col("id")


@dataclass
class Candidate:
    name: str
    run: Callable[[], np.ndarray]
    reference: bool = False


def best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def as_float(values: object) -> np.ndarray:
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).fill_null(np.nan).to_numpy()
    return np.asarray(values, dtype=np.float64)


def workload(title: str, candidates: list[Candidate], repeat: int) -> list[tuple]:
    print(f"\n{title}")
    ours = as_float(candidates[0].run())
    rows = []
    for c in candidates:
        got = as_float(c.run())
        ok = np.allclose(got, ours, rtol=1e-9, atol=1e-9, equal_nan=True)
        if not ok:
            raise SystemExit(f"{c.name} disagrees with polars-gradient on {title}")
        rows.append((c, best_time(c.run, repeat)))
    ref = next(t for c, t in rows if c.reference)
    for c, t in rows:
        mark = " (reference)" if c.reference else ""
        print(f"  {c.name:<44} {t:10.4f} s   ratio {t / ref:8.4f}{mark}")
    return [(title, c.name, t, t / ref) for c, t in rows]


# --- hand-written Polars: numpy's non-uniform formula with shifts, edge_order=1 -------------


def handwritten(first: pl.Expr, last: pl.Expr) -> pl.Expr:
    """numpy.gradient(y, x) from shifts; `first`/`last` flag a series' ends."""
    ym, yp, xm, xp = Y.shift(1), Y.shift(-1), X.shift(1), X.shift(-1)
    d1, d2 = X - xm, xp - X
    interior = -d2 / (d1 * (d1 + d2)) * ym + (d2 - d1) / (d1 * d2) * Y + d1 / (d2 * (d1 + d2)) * yp
    forward = (yp - Y) / (xp - X)
    backward = (Y - ym) / (X - xm)
    return (
        pl.when(first & last)
        .then(None)
        .when(first)
        .then(forward)
        .when(last)
        .then(backward)
        .otherwise(interior)
    )


def shift_over() -> pl.Expr:
    """What most users write: the shifts, per group with .over()."""
    return handwritten(Y.shift(1).is_null(), Y.shift(-1).is_null()).over("id")


def masked_shifts() -> pl.Expr:
    """Whole-column shifts, masked where the key changes (keys must be grouped)."""
    return handwritten(ID.ne_missing(ID.shift(1)), ID.ne_missing(ID.shift(-1)))


def sorted_masked(df: pl.DataFrame) -> pl.Series:
    """For interleaved keys: stable sort by key, masked shifts, back to row order."""
    return (
        df.lazy()
        .with_row_index("row")
        .sort("id", maintain_order=True)
        .with_columns(g=masked_shifts())
        .sort("row")
        .collect()["g"]
    )


def pandas_groupby(pdf: pd.DataFrame) -> np.ndarray:
    out = np.empty(len(pdf))

    def one(g: pd.DataFrame) -> None:
        out[g.index.to_numpy()] = (
            np.gradient(g["y"].to_numpy(), g["x"].to_numpy()) if len(g) > 1 else np.nan
        )

    pdf.groupby("id", sort=False)[["y", "x"]].apply(one)
    return out


def python_loop(y: np.ndarray, x: np.ndarray, ids: np.ndarray) -> np.ndarray:
    out = np.full(len(y), np.nan)
    order = np.argsort(ids, kind="stable")
    bounds = np.flatnonzero(np.diff(ids[order])) + 1
    for rows in np.split(order, bounds):
        if len(rows) > 1:
            out[rows] = np.gradient(y[rows], x[rows])
    return out


def grouped(df: pl.DataFrame, interleaved: bool) -> list[Candidate]:
    pdf = pd.DataFrame({c: df[c].to_numpy() for c in df.columns})
    y, x, ids = (df[c].to_numpy() for c in ("y", "x", "id"))
    cands = [
        Candidate("partition_by", lambda: df.select(Y.grad.gradient(x="x", partition_by="id"))["y"]),
        Candidate(".over", lambda: df.select(Y.grad.gradient(x="x").over("id"))["y"]),
        Candidate(
            ".over, Polars' own loop (alias first)",
            lambda: df.select(Y.grad.gradient(x="x").alias("y").over("id"))["y"],
        ),
        Candidate("Polars shift().over()", lambda: df.select(shift_over())["y"], reference=True),
    ]
    if interleaved:
        cands.append(Candidate("Polars sort + masked shifts", lambda: sorted_masked(df)))
    else:
        cands.append(Candidate("Polars masked whole-column shifts", lambda: df.select(masked_shifts())["y"]))
    cands += [
        Candidate("pandas groupby + np.gradient", lambda: pandas_groupby(pdf)),
        Candidate("Python loop of np.gradient", lambda: python_loop(y, x, ids)),
    ]
    return cands


def peak_memory(n: int) -> float:
    """Peak extra memory of an ungrouped run, as a multiple of the output's size."""
    code = f"""
import resource, numpy as np, polars as pl, polars_gradient
df = pl.DataFrame({{"y": np.random.default_rng(0).standard_normal({n})}})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = df.select(pl.col("y").grad.gradient())
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024 / out.estimated_size())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes, one repetition")
    args = parser.parse_args()
    scale, repeat = (10, 1) if args.quick else (1, 5)
    rng = np.random.default_rng(42)
    big, mid = 10_000_000 // scale, 1_000_000 // scale
    print(f"polars {pl.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"threads: polars {pl.thread_pool_size()}")
    results = []

    y = rng.standard_normal(big)
    df = pl.DataFrame({"y": y})
    results += workload(
        f"W1: {big:,} Float64 rows, unit spacing, ungrouped",
        [
            Candidate("polars-gradient", lambda: df.select(Y.grad.gradient())["y"]),
            Candidate("numpy.gradient", lambda: np.gradient(y), reference=True),
            Candidate(
                "Polars hand-written shifts",
                lambda: df.select(
                    pl.when(Y.shift(1).is_null())
                    .then(Y.shift(-1) - Y)
                    .when(Y.shift(-1).is_null())
                    .then(Y - Y.shift(1))
                    .otherwise((Y.shift(-1) - Y.shift(1)) / 2)
                )["y"],
            ),
        ],
        repeat,
    )

    x = np.cumsum(rng.uniform(0.5, 1.5, big))
    df = pl.DataFrame({"y": y, "x": x})
    results += workload(
        f"W2: {big:,} rows, non-uniform sorted x, edge_order=2",
        [
            Candidate(
                "polars-gradient", lambda: df.select(Y.grad.gradient(x="x", edge_order=2))["y"]
            ),
            Candidate("numpy.gradient", lambda: np.gradient(y, x, edge_order=2), reference=True),
        ],
        repeat,
    )

    n_groups = mid // 10
    df = pl.DataFrame(
        {
            "id": np.repeat(np.arange(n_groups), 10),
            "y": rng.standard_normal(mid),
            "x": np.cumsum(rng.uniform(0.5, 1.5, mid)),
        }
    )
    results += workload(
        f"W3: {mid:,} rows in {n_groups:,} sorted groups, with x", grouped(df, False), repeat
    )

    n_groups = mid // 1000
    df = pl.DataFrame(
        {
            "id": rng.integers(0, n_groups, mid),
            "y": rng.standard_normal(mid),
            "x": np.cumsum(rng.uniform(0.5, 1.5, mid)),
        }
    )
    results += workload(
        f"W4: {mid:,} rows in {n_groups:,} interleaved groups, with x", grouped(df, True), repeat
    )

    n = 2 * big
    print(f"\nMemory: peak extra memory of a {n:,}-row ungrouped run")
    print(f"  {peak_memory(n):.2f} x the output's size")
    print(f"\n(peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB)")


if __name__ == "__main__":
    main()
