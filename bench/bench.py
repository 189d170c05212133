"""Benchmark polars-gradient against numpy, pandas and hand-written Polars expressions.

    python bench/bench.py            # the full sizes (10M rows; a few minutes); writes
                                     # its table into docs/benchmarks.md
    python bench/bench.py --quick    # 10x smaller, one repetition: a smoke test
    python bench/bench.py --only W1,W6   # some of the workloads

Every candidate's numbers are checked against ours before it is timed (except those marked
"for scale", which compute something else). Times are the best of 15 runs (3 for a slow
candidate), in seconds; "ratio" is the candidate's time over the reference named in
each workload (below 1 means faster than the reference).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
from page import PAGE, write_page  # bench/page.py, beside this script
from scipy.integrate import cumulative_trapezoid
from scipy.signal import savgol_filter

import polars_gradient

Y, X, ID = pl.col("y"), pl.col("x"), pl.col("id")


@dataclass
class Candidate:
    name: str
    run: Callable[[], object]
    reference: bool = False
    # False for a candidate timed for scale only (another computation, other numbers).
    check: bool = True


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Best of ``repeat`` runs, and of more while they add up to under half a second (a
    millisecond candidate is timed some hundred times); a slow candidate stops after
    three runs and five seconds."""
    best, spent = float("inf"), 0.0
    k = 0
    while k < repeat or (spent < 0.5 and k < 500):
        start = time.perf_counter()
        fn()
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
        k += 1
        if k >= 3 and spent > 5.0:
            break
    return best


def paired_medians(f: Callable[[], object], g: Callable[[], object], n: int) -> tuple[float, float]:
    """Median times of ``f`` and ``g`` over ``n`` calls each, alternated call by call: for
    the ratio of two close timings, steadier than two best-of runs taken one after the other."""
    tf: list[float] = []
    tg: list[float] = []
    for _ in range(n):
        for fn, times in ((f, tf), (g, tg)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return float(np.median(tf)), float(np.median(tg))


def as_float(values: object) -> np.ndarray:
    if isinstance(values, pl.Series):
        if isinstance(values.dtype, pl.List):
            values = values.explode()
        return values.cast(pl.Float64).fill_null(np.nan).to_numpy()
    return np.asarray(values, dtype=np.float64)


def workload(
    title: str, candidates: list[Candidate], repeat: int, rtol: float = 1e-9
) -> list[tuple]:
    print(f"\n{title}")
    ours = as_float(candidates[0].run())
    rows = []
    for c in candidates:
        got = as_float(c.run())
        ok = np.allclose(got, ours, rtol=rtol, atol=rtol, equal_nan=True)
        if c.check and not ok:
            raise SystemExit(f"{c.name} disagrees with polars-gradient on {title}")
        rows.append((c, best_time(c.run, repeat)))
    ref = next(t for c, t in rows if c.reference)
    for c, t in rows:
        mark = " (reference)" if c.reference else ("" if c.check else " (other numbers)")
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
        .alias("y")
    )


def shift_over() -> pl.Expr:
    """What most users write: the shifts, per group with .over()."""
    return handwritten(Y.shift(1).is_null(), Y.shift(-1).is_null()).over("id")


def masked_shifts(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The fastest hand-written grouped gradient for grouped (contiguous) keys.

    One ``with_columns`` of whole-column shifts, each masked to null where the key
    changes (``id == id.shift(±1)``), then numpy's interior formula; where a
    neighbour is masked the interior is null and ``coalesce`` falls back to the
    one-sided difference, so a one-row group stays null. Other columns are kept.
    """
    same_prev, same_next = ID == ID.shift(1), ID == ID.shift(-1)
    ym, yp, d1, d2 = pl.col("ym"), pl.col("yp"), pl.col("d1"), pl.col("d2")
    interior = -d2 / (d1 * (d1 + d2)) * ym + (d2 - d1) / (d1 * d2) * Y + d1 / (d2 * (d1 + d2)) * yp
    return frame.with_columns(
        ym=pl.when(same_prev).then(Y.shift(1)),
        yp=pl.when(same_next).then(Y.shift(-1)),
        d1=pl.when(same_prev).then(X - X.shift(1)),
        d2=pl.when(same_next).then(X.shift(-1) - X),
    ).with_columns(y=pl.coalesce(interior, (yp - Y) / d2, (Y - ym) / d1))


def sorted_masked(df: pl.DataFrame) -> pl.Series:
    """For interleaved keys: stable sort by key, masked shifts, back to row order."""
    frame = df.lazy().with_row_index("row").sort("id", maintain_order=True)
    return masked_shifts(frame).sort("row").collect()["y"]


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
        Candidate(
            "partition_by", lambda: df.select(Y.grad.gradient(x="x", partition_by="id"))["y"]
        ),
        Candidate(".over", lambda: df.select(Y.grad.gradient(x="x").over("id"))["y"]),
        Candidate(
            "ungrouped gradient, same column (for scale)",
            lambda: df.select(Y.grad.gradient(x="x"))["y"],
            check=False,
        ),
        Candidate(
            ".over, Polars' own loop (alias first)",
            lambda: df.select(Y.grad.gradient(x="x").alias("y").over("id"))["y"],
        ),
        Candidate("Polars shift().over()", lambda: df.select(shift_over())["y"]),
    ]
    if interleaved:
        cands.append(
            Candidate("Polars sort + masked shifts", lambda: sorted_masked(df), reference=True)
        )
    else:
        cands.append(
            Candidate(
                "Polars masked whole-column shifts",
                lambda: masked_shifts(df.lazy()).collect()["y"],
                reference=True,
            )
        )
    cands += [
        Candidate("pandas groupby + np.gradient", lambda: pandas_groupby(pdf)),
        Candidate("Python loop of np.gradient", lambda: python_loop(y, x, ids)),
    ]
    return cands


def group_by_agg(df: pl.DataFrame) -> list[Candidate]:
    """``group_by().agg()``: Polars calls a plugin once per group; the one-pass spellings."""

    def agg_plugin() -> pl.Series:
        out = df.group_by("id", maintain_order=True).agg(Y.grad.gradient(x="x"))
        return out["y"]

    def agg_then_rows() -> pl.Series:
        rows = df.group_by("id", maintain_order=True).agg("y", "x")
        return rows.select(Y.grad.gradient(x="x"))["y"]

    def partition_then_agg() -> pl.Series:
        out = df.with_columns(Y.grad.gradient(x="x", partition_by="id"))
        return out.group_by("id", maintain_order=True).agg("y")["y"]

    def agg_diff() -> pl.Series:
        return df.group_by("id", maintain_order=True).agg(Y.diff())["y"]

    return [
        Candidate("agg(gradient): one plugin call per group", agg_plugin),
        Candidate("agg('y', 'x') then List-row gradient", agg_then_rows),
        Candidate("partition_by, then agg", partition_then_agg),
        Candidate("Polars' own agg(diff()) (for scale)", agg_diff, reference=True, check=False),
    ]


def peak_memory(n: int) -> float:
    """Peak extra memory of an ungrouped run, as a multiple of the output's size.

    In a fresh process: the input is made, the kernel's high-water mark of resident
    memory is reset (Linux: /proc/self/clear_refs), the gradient is computed, and the
    new high-water mark is compared with the resident memory before the call.
    """
    code = f"""
import gc, numpy as np, polars as pl, polars_gradient

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024

df = pl.DataFrame({{"y": np.random.default_rng(0).standard_normal({n})}})
gc.collect()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS:")
out = df.select(pl.col("y").grad.gradient())
print((status("VmHWM:") - before) / out.estimated_size())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


# --- Savitzky–Golay and trapezoid references -------------------------------------------------


def numpy_savgol_irregular(y: np.ndarray, x: np.ndarray, window: int, polyorder: int) -> np.ndarray:
    """First derivative of the least-squares polynomial over each row's window of rows at the
    true coordinates, vectorised over rows: each window centred on its row and scaled to
    [-1, 1], the normal equations from power sums, solved by Gaussian elimination across all
    rows at once (the matrices are symmetric positive definite: no pivoting). In chunks of rows
    so that the temporaries stay in cache and memory stays small at any length."""
    n, q = len(y), polyorder + 1
    out = np.empty(n)
    chunk = 1 << 15
    for c0 in range(0, n, chunk):
        i = np.arange(c0, min(c0 + chunk, n))
        rows = np.clip(i - window // 2, 0, n - window)[:, None] + np.arange(window)
        t = x[rows] - x[i, None]
        scale = np.abs(t).max(axis=1)
        t /= scale[:, None]
        tk = np.ones_like(t)
        sums, rhs = [], []
        yw = y[rows]
        for k in range(2 * q - 1):
            sums.append(tk.sum(axis=1))
            if k < q:
                rhs.append((tk * yw).sum(axis=1))
            tk *= t
        a = [[sums[r + c] for c in range(q)] for r in range(q)]
        b = rhs
        for p in range(q):
            for r in range(p + 1, q):
                f = a[r][p] / a[p][p]
                a[r] = [a[r][c] - f * a[p][c] for c in range(q)]
                b[r] = b[r] - f * b[p]
        coef: list[np.ndarray] = [np.empty(0)] * q
        for r in reversed(range(q)):
            acc = b[r]
            for c in range(r + 1, q):
                acc = acc - a[r][c] * coef[c]
            coef[r] = acc / a[r][r]
        out[c0 : c0 + len(i)] = coef[1] / scale
    return out


def pandas_grouped(
    df: pd.DataFrame, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """``fn(y, x)`` per group with pandas' groupby, back in row order."""
    out = np.empty(len(df))
    for idx in df.groupby("id", sort=False).indices.values():
        out[idx] = fn(df["y"].to_numpy()[idx], df["x"].to_numpy()[idx])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes, one repetition")
    parser.add_argument(
        "--only",
        default=ALL,
        help="comma-separated workloads (default: all)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    scale, repeat = (10, 1) if args.quick else (1, 15)
    rng = np.random.default_rng(42)
    big, mid = 10_000_000 // scale, 1_000_000 // scale
    print(f"polars {pl.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"threads: polars {pl.thread_pool_size()}")
    results: list[tuple] = []

    y = rng.standard_normal(big)
    x = np.cumsum(rng.uniform(0.5, 1.5, big))
    df = pl.DataFrame({"y": y, "x": x})
    if "W1" in only:
        by_hand = (
            pl.when(Y.shift(1).is_null())
            .then(Y.shift(-1) - Y)
            .when(Y.shift(-1).is_null())
            .then(Y - Y.shift(1))
            .otherwise((Y.shift(-1) - Y.shift(1)) / 2)
        )
        results += workload(
            f"W1: {big:,} Float64 rows, unit spacing, ungrouped",
            [
                Candidate("polars-gradient", lambda: df.select(Y.grad.gradient())["y"]),
                Candidate("numpy.gradient", lambda: np.gradient(y), reference=True),
                Candidate("Polars hand-written shifts", lambda: df.select(by_hand)["y"]),
            ],
            repeat,
        )
    if "W2" in only:
        ours = Y.grad.gradient(x="x", edge_order=2)
        results += workload(
            f"W2: {big:,} rows, non-uniform sorted x, edge_order=2",
            [
                Candidate("polars-gradient", lambda: df.select(ours)["y"]),
                Candidate(
                    "numpy.gradient", lambda: np.gradient(y, x, edge_order=2), reference=True
                ),
            ],
            repeat,
        )

    if "W6" in only:
        import findiff

        # A smooth, exactly periodic signal (its argument stays small, so its rounding
        # noise, divided by h^2, stays small): findiff's near-edge stencils differ from
        # ours (same accuracy, other rows), so the two agree to the truncation error.
        period = 1000
        h = 2 * np.pi / period
        smooth = np.sin((np.arange(big) % period) * h)
        sdf = pl.DataFrame({"y": smooth})
        ours = Y.grad.derivative(order=2, accuracy=4, spacing=h)
        d2 = findiff.Diff(0, h, acc=4) ** 2
        results += workload(
            f"W6: {big:,} rows, order=2, accuracy=4, uniform",
            [
                Candidate("polars-gradient derivative", lambda: sdf.select(ours)["y"]),
                Candidate("findiff Diff(0, h, acc=4)**2", lambda: d2(smooth), reference=True),
            ],
            repeat,
            rtol=1e-6,
        )
        grad2 = Y.grad.gradient(x="x", edge_order=2)
        deriv = Y.grad.derivative(x="x", order=1, accuracy=2)
        results += workload(
            f"W6b: {big:,} rows, with x: derivative(order=1, accuracy=2) vs gradient(edge_order=2)",
            [
                Candidate("derivative(order=1, accuracy=2)", lambda: df.select(deriv)["y"]),
                Candidate("gradient(edge_order=2)", lambda: df.select(grad2)["y"], reference=True),
            ],
            repeat,
        )

    if "W5" in only:
        # Steps of 1 ms to 2 s; numpy gets the epoch in microseconds as int64 (which
        # float64 holds exactly at this size) and the result is scaled to per second.
        micros = (1_790_000_000_000_000 + np.cumsum(rng.integers(1_000, 2_000_000, big))).astype(
            "datetime64[us]"
        )
        tdf = pl.DataFrame({"y": y, "t": micros})
        epoch_us = micros.astype(np.int64)
        results += workload(
            f"W5: {big:,} rows, Datetime('us') x, per second",
            [
                Candidate("polars-gradient", lambda: tdf.select(Y.grad.gradient(x="t"))["y"]),
                Candidate(
                    "numpy.gradient on int64 microseconds",
                    lambda: np.gradient(y, epoch_us) * 1e6,
                    reference=True,
                ),
            ],
            repeat,
        )

    for name, n_groups, interleaved in (("W3", mid // 10, False), ("W4", mid // 1000, True)):
        if name not in only:
            continue
        keys = rng.integers(0, n_groups, mid) if interleaved else np.repeat(np.arange(n_groups), 10)
        gdf = pl.DataFrame(
            {"id": keys, "y": rng.standard_normal(mid), "x": np.cumsum(rng.uniform(0.5, 1.5, mid))}
        )
        kind = "interleaved" if interleaved else "sorted"
        title = f"{name}: {mid:,} rows in {n_groups:,} {kind} groups, with x"
        rows = workload(title, grouped(gdf, interleaved), repeat)
        results += rows
        times = {cand: t for _, cand, t, _ in rows}
        ratio = times["partition_by"] / times["ungrouped gradient, same column (for scale)"]
        print(f"  partition_by / ungrouped on the same column: {ratio:.2f}x (best of each)")
        if not interleaved:
            # Medians of alternated calls, also with groups of random sizes (some of one
            # row, null in the result).
            rdf = gdf.with_columns(id=pl.Series(np.sort(rng.integers(0, n_groups, mid))))
            keyed, plain = Y.grad.gradient(x="x", partition_by="id"), Y.grad.gradient(x="x")
            for label, d in (("groups of 10", gdf), ("groups of random sizes (mean 10)", rdf)):
                by_key, alone = paired_medians(
                    lambda d=d, e=keyed: d.select(e), lambda d=d, e=plain: d.select(e), 20 * repeat
                )
                print(
                    f"  {label}, medians of alternated calls: partition_by "
                    f"{by_key * 1e3:.2f} ms, ungrouped {alone * 1e3:.2f} ms, {by_key / alone:.2f}x"
                )

    if "W8" in only:
        ydf = pl.DataFrame({"y": y})
        results += workload(
            f"W8: {big:,} rows, savgol window 11, polyorder 3, uniform",
            [
                Candidate(
                    "polars-gradient",
                    lambda: ydf.select(Y.grad.savgol(window=11, polyorder=3, spacing=0.1))["y"],
                ),
                Candidate(
                    "scipy.signal.savgol_filter",
                    lambda: savgol_filter(y, 11, 3, deriv=1, delta=0.1, mode="interp"),
                    reference=True,
                ),
            ],
            repeat,
        )

    if "W9" in only:
        results += workload(
            f"W9: {big:,} rows, savgol window 11, polyorder 3, irregular x",
            [
                Candidate(
                    "polars-gradient",
                    lambda: df.select(Y.grad.savgol(x="x", window=11, polyorder=3))["y"],
                ),
                Candidate(
                    "vectorised numpy least squares",
                    lambda: numpy_savgol_irregular(y, x, 11, 3),
                    reference=True,
                ),
            ],
            repeat,
            rtol=1e-6,
        )

    if "W10" in only:
        results += workload(
            f"W10: {big:,} rows, cumulative_trapezoid with x",
            [
                Candidate(
                    "polars-gradient",
                    lambda: df.select(Y.grad.cumulative_trapezoid(x="x"))["y"],
                ),
                Candidate(
                    "scipy cumulative_trapezoid",
                    lambda: cumulative_trapezoid(y, x, initial=0),
                    reference=True,
                ),
            ],
            repeat,
        )

    if "W11" in only:
        keys = np.repeat(np.arange(mid // 10), 10)
        gdf = pl.DataFrame(
            {"id": keys, "y": rng.standard_normal(mid), "x": np.cumsum(rng.uniform(0.5, 1.5, mid))}
        )
        pdf = pd.DataFrame({c: gdf[c].to_numpy() for c in gdf.columns})
        for what, expr, fn in (
            (
                "savgol window 5",
                Y.grad.savgol(x="x", window=5, partition_by="id"),
                lambda yy, xx: numpy_savgol_irregular(yy, xx, 5, 2),
            ),
            (
                "cumulative_trapezoid",
                Y.grad.cumulative_trapezoid(x="x", partition_by="id"),
                lambda yy, xx: cumulative_trapezoid(yy, xx, initial=0),
            ),
        ):
            results += workload(
                f"W11: {mid:,} rows in {mid // 10:,} groups, {what}",
                [
                    Candidate("partition_by", lambda e=expr: gdf.select(e)["y"]),
                    Candidate(
                        "pandas groupby + numpy/scipy",
                        lambda f=fn: pandas_grouped(pdf, f),
                        reference=True,
                    ),
                ],
                repeat,
                rtol=1e-6,
            )

    if "W7" in only:
        keys = np.repeat(np.arange(mid // 10), 10)
        adf = pl.DataFrame(
            {"id": keys, "y": rng.standard_normal(mid), "x": np.cumsum(rng.uniform(0.5, 1.5, mid))}
        )
        title = f"W7: group_by().agg, {mid:,} rows in {mid // 10:,} groups, with x"
        results += workload(title, group_by_agg(adf), repeat)

    if "W12" in only:
        import numdifftools as nd
        from scipy.differentiate import derivative as scipy_derivative

        # derivative_of on 1M points of exp(sin x): scipy.differentiate's iteration to
        # its tolerance, numdifftools' Derivative (vectorised over the points), and the
        # expert's fixed-step five-point stencil in Polars (no error control).
        points = rng.uniform(-10, 10, mid)
        fdf = pl.DataFrame({"x": points})
        h = 1e-3

        def fixed(v: pl.Expr) -> pl.Expr:
            return v.sin().exp()

        five_point = (fixed(X - 2 * h) - 8 * fixed(X - h) + 8 * fixed(X + h) - fixed(X + 2 * h)) / (
            12 * h
        )
        ours = polars_gradient.derivative_of(fixed, "x")
        results += workload(
            f"W12: derivative_of, {mid:,} points of exp(sin x)",
            [
                Candidate("polars-gradient derivative_of", lambda: fdf.select(ours)["x"]),
                Candidate(
                    "scipy.differentiate.derivative",
                    lambda: scipy_derivative(lambda v: np.exp(np.sin(v)), points).df,
                    reference=True,
                ),
                Candidate(
                    "numdifftools Derivative",
                    lambda: nd.Derivative(lambda v: np.exp(np.sin(v)))(points),
                ),
                Candidate("Polars five-point stencil, h=1e-3", lambda: fdf.select(five_point)["x"]),
            ],
            max(1, repeat // 5),
            rtol=1e-7,
        )

    if "W13" in only:
        results += counters_windowed(rng, 2_000_000 // scale, 1000 // scale, repeat)

    if "W14" in only:
        results += counters_agg(rng, mid, repeat)

    memory = None
    if "mem" in only:
        n = 2 * big
        memory = peak_memory(n)
        print(f"\nMemory: peak extra memory of a {n:,}-row ungrouped run")
        print(f"  {memory:.2f} x the output's size")

    table = markdown_table(results, memory)
    print("\n" + table)
    if not args.quick and only == set(ALL.split(",")):
        write_page(table)
        print(f"(written to {PAGE.relative_to(PAGE.parents[1])})")


ALL = "W1,W2,W3,W4,W5,W6,W7,W8,W9,W10,W11,W12,W13,W14,mem"


# --- the rate family: windows (W13) and whole-group reductions (W14) -------------------------


def scrapes(rng: np.random.Generator, rows: int, series: int) -> pl.DataFrame:
    """Counters of ``series`` targets scraped every 15 s (with a little jitter), interleaved
    in time as a scrape store holds them, with a reset now and then; Datetime("ms")."""
    per = rows // series
    s = np.tile(np.arange(series), per)
    k = np.repeat(np.arange(per), series)
    t = 1_764_000_000_000 + k * 15_000 + s * 7 + rng.integers(0, 200, rows)
    inc = rng.exponential(10.0, (per, series))
    inc[rng.random((per, series)) < 0.002] = -1e12  # resets
    c = np.maximum(np.cumsum(inc, axis=0), 0).ravel() + rng.uniform(0, 5, rows)
    return pl.DataFrame({"s": s, "t": t, "c": c}).with_columns(pl.col("t").cast(pl.Datetime("ms")))


def least_squares_rolling(window: str) -> pl.Expr:
    """deriv by hand: the least-squares slope from five ``rolling_sum_by`` per series, with
    x in seconds from the series' first sample (without that shift, x^2 of epoch seconds
    loses every digit of the slope)."""
    x = (pl.col("t") - pl.col("t").min()).dt.total_milliseconds().cast(pl.Float64) / 1000
    y = pl.col("c")

    def rs(e: pl.Expr) -> pl.Expr:
        return e.rolling_sum_by("t", window)

    n, sx, sy = rs(y * 0 + 1), rs(x), rs(y)
    return ((n * rs(x * y) - sx * sy) / (n * rs(x * x) - sx * sx)).alias("c")


def counters_windowed(rng: np.random.Generator, rows: int, series: int, repeat: int) -> list:
    """W13: rate and deriv over trailing windows, per series (the issue's goals)."""
    df = scrapes(rng, rows, series)
    c = pl.col("c").grad
    out = []
    title = f"W13a: rate(window='5m').over, {rows:,} rows, {series:,} series"
    out += workload(
        title,
        [
            Candidate(
                "rate(window='5m').over('s')",
                lambda: df.select(c.rate(x="t", window="5m").over("s"))["c"],
            ),
            Candidate(
                "rolling_sum_by('t', '5m').over('s')",
                lambda: df.select(pl.col("c").rolling_sum_by("t", "5m").over("s"))["c"],
                reference=True,
                check=False,
            ),
        ],
        repeat,
    )
    out += workload(
        f"W13b: deriv(window='5m').over, {rows:,} rows, {series:,} series",
        [
            Candidate(
                "deriv(window='5m').over('s')",
                lambda: df.select(c.deriv(x="t", window="5m").over("s"))["c"],
            ),
            Candidate(
                "least squares from five rolling_sum_by",
                lambda: df.select(least_squares_rolling("5m").over("s"))["c"],
                reference=True,
            ),
        ],
        repeat,
        rtol=1e-6,
    )
    out += workload(
        f"W13c: rate, window 1h (240 samples) against 5m (20), {rows:,} rows",
        [
            Candidate(
                "rate(window='1h').over('s')",
                lambda: df.select(c.rate(x="t", window="1h").over("s"))["c"],
            ),
            Candidate(
                "rate(window='5m').over('s')",
                lambda: df.select(c.rate(x="t", window="5m").over("s"))["c"],
                reference=True,
                check=False,
            ),
        ],
        repeat,
    )
    return out


def hand_written_reductions() -> dict[str, pl.Expr]:
    """The expert's group_by().agg() expressions for the same numbers (no nulls, no NaN)."""
    y, x = pl.col("y"), pl.col("x")
    prev = y.shift(1)
    increase = y.last() - y.first() + pl.when(y < prev).then(prev).otherwise(0.0).sum()
    xs = x.cast(pl.Float64)
    return {
        "trapezoid": ((y + prev) * 0.5 * x.diff()).sum(),
        "increase": increase,
        "rate": increase / (xs.last() - xs.first()),
        "delta": y.last() - y.first(),
        "deriv": pl.cov(xs, y) / xs.var(),
        "resets": (y < prev).sum(),
        "changes": (y != prev).sum(),
    }


def counters_agg(rng: np.random.Generator, rows: int, repeat: int) -> list:
    """W14: each reduction inside group_by().agg() at rows / 10 groups, against the
    hand-written expression for the same numbers."""
    groups = rows // 10
    keys = np.repeat(np.arange(groups), 10)
    y = np.cumsum(rng.exponential(1.0, rows))
    y[rng.random(rows) < 0.05] = 0.5  # resets
    df = pl.DataFrame({"id": keys, "y": y, "x": np.cumsum(rng.uniform(0.5, 1.5, rows))})
    by_hand = hand_written_reductions()
    out = []
    for name, expr in by_hand.items():
        ours = getattr(pl.col("y").grad, name)(x="x")

        def run(e: pl.Expr) -> pl.Series:
            return df.group_by("id", maintain_order=True).agg(e.alias("y"))["y"]

        out += workload(
            f"W14: group_by().agg({name}), {rows:,} rows in {groups:,} groups",
            [
                Candidate(f"grad.{name}(x='x')", lambda o=ours: run(o)),
                Candidate("hand-written Polars", lambda e=expr: run(e), reference=True),
            ],
            repeat,
            rtol=1e-7,
        )
    return out


def markdown_table(results: list[tuple], memory: float | None) -> str:
    """The run's results as the benchmarks page shows them: one row per candidate."""
    versions = f"Polars {pl.__version__}, numpy {np.__version__}, pandas {pd.__version__}"
    lines = [
        f"Run of {time.strftime('%Y-%m-%d')} on {pl.thread_pool_size()} threads ({versions}).",
        "",
        "| workload | candidate | ms | ratio |",
        "|---|---|---:|---:|",
    ]
    last = None
    for title, name, t, ratio in results:
        shown = title if title != last else ""
        last = title
        lines.append(f"| {shown} | {name} | {t * 1e3:.4g} | {ratio:.3g} |")
    if memory is not None:
        lines += ["", f"Peak extra memory of a 20M-row ungrouped run: {memory:.2f}× the output."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
