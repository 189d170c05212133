"""Beyond one machine: Dask on 1 and 2 workers against one Polars process; sink_parquet's memory.

Part 1: ROWS rows in KEYS interleaved keys, Parquet to Parquet (8 input files, every key in
every file): one Polars process (scan, ``with_columns``, sink), then
``polars_gradient.dask.with_columns`` on a LocalCluster of 1 and of 2 single-threaded worker
processes, and the same Dask pipeline without the expression (read, shuffle without the
index, write) to show what the shuffle costs; the two alternate on each cluster after one
untimed run of each, and the clusters of 1 and 2 workers take turns (2 rounds of 3 runs:
best and median of 6); all with both of Dask's shuffle methods
(``dataframe.shuffle.method``: ``p2p``, its default on a cluster, and ``tasks``).

Part 2: ``sink_parquet`` on OOC_ROWS rows, keys sorted and unsorted, and on a quarter of
them; each run in a child process that reports its peak RSS, beside the in-memory size of
the data and the peak of the in-memory route (read, ``with_columns``, write); at full size
also with jemalloc returning freed pages at once (``_RJEM_MALLOC_CONF``).

Run: ``pip install ".[bench,dask]" && python bench/scale.py`` (``--quick``: 10x smaller).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from statistics import median

import polars as pl
from page import PAGE, write_page  # bench/page.py, beside this script

import polars_gradient as pg  # also registers .grad

ROWS, KEYS, OOC_ROWS = 20_000_000, 100_000, 50_000_000


def expr() -> pl.Expr:
    return pl.col("y").grad.gradient(x="t").over("id").alias("g")


def make(path: Path, rows: int, keys: int, files: int, sort: bool, seed: int = 0) -> None:
    """Rows with an id, a Datetime and a value; keys interleaved (or sorted) over the files."""
    import numpy as np  # here only: the measured child processes do not load it

    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    per = rows // files
    for k in range(files):
        ids = rng.integers(0, keys, per)
        if sort:
            ids = np.sort(ids) + k * keys  # each file its own sorted keys: sorted overall
        t = (np.arange(per, dtype=np.int64) + k * per) * 1_000_000 + rng.integers(0, 999_999, per)
        pl.DataFrame(
            {
                "id": ids,
                "t": pl.Series(t).cast(pl.Datetime("us")),
                "y": rng.standard_normal(per),
            }
        ).write_parquet(path / f"part{k:02d}.parquet")


def timed(f: object) -> float:
    t0 = time.perf_counter()
    f()  # type: ignore[operator]
    return time.perf_counter() - t0


def polars_once(src: Path, out: Path) -> None:
    pl.scan_parquet(src / "*.parquet").with_columns(expr()).sink_parquet(out)


def dask_run(
    src: Path, root: Path, workers: int, method: str, reps: int
) -> dict[bool, list[float]]:
    """Times of ``reps`` runs with the expression and without, alternated on one new
    cluster, after one untimed run of each (the first runs on new workers import Polars
    and the plugin there and grow each allocator's memory: up to 2.5x slower here)."""
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import polars_gradient.dask as pgd

    with (
        dask.config.set({"dataframe.shuffle.method": method}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # One thread per worker for Polars and the plugin too (the plugin's pool
            # follows POLARS_MAX_THREADS): else each worker uses every core.
            env={"POLARS_MAX_THREADS": "1"},
        ) as cluster,
        Client(cluster),
    ):

        def go(with_expr: bool) -> None:
            out = root / f"dask-out-{workers}-{with_expr}"
            ddf = dd.read_parquet(str(src / "*.parquet"), dtype_backend="pyarrow")
            if with_expr:
                res = pgd.with_columns(ddf, expr(), by="id")
            else:
                res = ddf.shuffle(on="id", ignore_index=True)
            res.to_parquet(str(out), write_index=False, overwrite=True)

        times: dict[bool, list[float]] = {True: [], False: []}
        go(True)
        go(False)
        for _ in range(reps):
            for with_expr in (True, False):
                times[with_expr].append(timed(partial(go, with_expr)))
        return times


METHODS = ("p2p", "tasks")


def dask_label(name: str, method: str, workers: int) -> str:
    return f"{name}, {method}, {workers} worker{'s' if workers > 1 else ''}"


def part1(root: Path, rows: int, keys: int, rounds: int = 2) -> list[tuple[str, list[float]]]:
    """Every route's times. The clusters of 1 and of 2 workers take turns, ``rounds``
    times (a new cluster each time, 3 timed runs each): this machine's speed drifts by
    tens of percent over minutes, and a slow spell should not fall on one cluster size
    only."""
    src = root / "scale-in"
    make(src, rows, keys, files=8, sort=False)
    polars = [timed(lambda: polars_once(src, root / "polars-out.parquet")) for _ in range(3)]
    results = {"one Polars process (scan, with_columns .over, sink)": polars}
    for _ in range(rounds):
        for method in METHODS:
            for workers in (1, 2):
                times = dask_run(src, root, workers, method, reps=3)
                for with_expr in (True, False):
                    name = "polars_gradient.dask" if with_expr else "Dask read, shuffle, write"
                    label = dask_label(name, method, workers)
                    results.setdefault(label, []).extend(times[with_expr])
    shutil.rmtree(src)
    return list(results.items())


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM: its own, unlike ``ru_maxrss``, which a
    child inherits from its parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> None:
    """One measured run in this process: print its peak RSS and time as JSON."""
    base = peak_rss_mib()
    src, out = Path(args.src), Path(args.out)
    t0 = time.perf_counter()
    if args.route == "sink_parquet":
        pg.sink_parquet(pl.scan_parquet(src / "*.parquet"), out, expr(), by="id")
    else:
        pl.read_parquet(src / "*.parquet").with_columns(expr()).write_parquet(out)
    took = time.perf_counter() - t0
    print(json.dumps({"peak_mib": peak_rss_mib(), "base_mib": base, "seconds": took}))


# jemalloc (Polars' allocator) keeps freed pages for about ten seconds before it returns
# them; with this setting it returns them at once (shown as a row of its own).
PROMPT_RETURN = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


def measure(
    route: str, src: Path, out: Path, env: dict[str, str] | None = None
) -> dict[str, float]:
    out.unlink(missing_ok=True)
    res = subprocess.run(
        [sys.executable, __file__, "--child", route, "--src", str(src), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def part2(root: Path, rows: int, keys: int) -> list[tuple[str, int, float, dict[str, float]]]:
    results = []
    for sort in (True, False):
        for n in (rows // 4, rows):
            src = root / f"ooc-{sort}-{n}"
            make(src, n, keys * n // rows, files=8, sort=sort, seed=1)
            # The data's in-memory size, from a sample (loading it here would count in the
            # children's figures on systems where the peak is inherited).
            sample = pl.scan_parquet(src / "*.parquet").head(100_000).collect()
            data = sample.estimated_size("mb") / sample.height * n
            for route in ("sink_parquet", "in memory"):
                if route == "in memory" and n != rows:
                    continue
                m = measure(route, src, root / "ooc-out.parquet")
                label = f"{route}, keys {'sorted' if sort else 'unsorted'}"
                results.append((label, n, data, m))
                if route == "sink_parquet" and n == rows:
                    m = measure(route, src, root / "ooc-out.parquet", PROMPT_RETURN)
                    results.append((f"{label}, jemalloc returning freed pages at once", n, data, m))
            shutil.rmtree(src)
    return results


def dask_table(res: list[tuple[str, list[float]]]) -> str:
    """Part 1's table and each route's speed-up from 1 to 2 workers, as Markdown."""
    ref = min(res[0][1])
    lines = [
        f"Run of {time.strftime('%Y-%m-%d')} (Polars {pl.__version__}).",
        "",
        "| route | best s | median s | best vs one Polars process |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {min(ts):.1f} | {median(ts):.1f} | {min(ts) / ref:.2f} |" for n, ts in res]
    lines.append("")
    d = dict(res)
    for method in METHODS:
        for name in ("polars_gradient.dask", "Dask read, shuffle, write"):
            one, two = (d[dask_label(name, method, w)] for w in (1, 2))
            lines.append(
                f"- {name}, {method}: from 1 to 2 workers {min(one) / min(two):.2f}x"
                f" (best), {median(one) / median(two):.2f}x (median)"
            )
    return "\n".join(lines)


def sink_table(res: list[tuple[str, int, float, dict[str, float]]]) -> str:
    """Part 2's table of peak memory against the data's size, as Markdown."""
    lines = [
        f"Run of {time.strftime('%Y-%m-%d')} (Polars {pl.__version__}).",
        "",
        "| route | rows | data MiB | peak RSS MiB | after imports | peak / data | s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, n, data, m in res:
        peak = m["peak_mib"]
        lines.append(
            f"| {label} | {n:,} | {data:.0f} | {peak:.0f} | {m['base_mib']:.0f} "
            f"| {peak / data:.2f} | {m['seconds']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="1,2")
    parser.add_argument("--child", default=None)
    parser.add_argument("--src")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        args.route = args.child
        child(args)
        return
    scale = 10 if args.quick else 1
    root = Path(tempfile.mkdtemp(prefix="pg-scale-"))
    try:
        if "1" in args.only:
            rows = ROWS // scale
            print(f"\nPart 1: {rows:,} rows, {KEYS // scale:,} keys, Parquet to Parquet")
            table = dask_table(part1(root, rows, KEYS // scale))
            print(table)
            if not args.quick:
                write_page(table, "scale-dask")
                print(f"(written to {PAGE.relative_to(PAGE.parents[1])})")
        if "2" in args.only:
            rows = OOC_ROWS // scale
            print(f"\nPart 2: sink_parquet, up to {rows:,} rows, peak RSS of a child process")
            table = sink_table(part2(root, rows, KEYS // scale))
            print(table)
            if not args.quick:
                write_page(table, "scale-sink")
                print(f"(written to {PAGE.relative_to(PAGE.parents[1])})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
