"""Beyond one machine: Dask (a real LocalCluster), Spark (a local SparkSession) and
sink_parquet out of core, each compared row by row (joined on a row id) with the same
``with_columns`` in single-machine Polars."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from reference import grad

import polars_gradient as pg
import polars_gradient.dask as pgd
from polars_gradient import _outofcore
from polars_gradient._pieces import Plan

RID = "rid"


def frame(n: int = 6000, keys: int = 150, seed: int = 0, tz: str = "Europe/Paris") -> pl.DataFrame:
    """Interleaved keys (some null, some with one row), a Datetime x with a time zone,
    NaN and null in y, and a row id."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, keys, n).astype(float)
    ids[rng.random(n) < 0.02] = np.nan  # null keys (below)
    ids[:3] = [keys + 1, keys + 2, keys + 3][: min(3, n)]  # keys with one row
    step = rng.integers(1, 5_000_000, n).cumsum()  # irregular, in µs
    df = pl.DataFrame(
        {
            RID: pl.int_range(n, eager=True).cast(pl.Int64),
            "id": pl.Series(ids).fill_nan(None).cast(pl.Int64),
            "t": pl.Series(step + 1_700_000_000_000_000),
            "y": rng.normal(size=n),
        }
    )
    df = df.with_columns(
        t=pl.col("t").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    )
    i = pl.int_range(n)
    return df.with_columns(
        y=pl.when(i % 17 == 5).then(None).when(i % 13 == 3).then(float("nan")).otherwise("y")
    )


KEYED: dict[str, Any] = {
    "g": grad(pl.col("y")).gradient(x="t", edge_order=2).over("id"),
    "d": grad(pl.col("y")).derivative(x="t", order=2, accuracy=2, ignore_nulls=True).over("id"),
    "p": grad(pl.col("y")).gradient(x="t", partition_by="id", per="1m"),
    "c": grad(pl.col("y").cum_sum()).gradient().over("id"),
    "r": pl.col("y").abs() * 2,
}


def assert_same(want: pl.DataFrame, got: pl.DataFrame, *, tz_free: bool = False) -> None:
    """Every row of ``want`` in ``got`` (joined on the row id), every value identical:
    NaN where NaN, null where null."""
    assert got.height == want.height
    assert sorted(got.columns) == sorted(want.columns)
    if tz_free:  # Spark has no time zone per column: compare instants
        got = got.with_columns(pl.col("t").dt.convert_time_zone("UTC"))
        want = want.with_columns(pl.col("t").dt.convert_time_zone("UTC"))
    assert got.select(pl.col(RID).n_unique()).item() == got.height
    joined = want.join(got, on=RID, suffix="__got", how="left")
    for c in want.columns:
        if c == RID:
            continue
        a, b = pl.col(c), pl.col(f"{c}__got")
        same = a.eq_missing(b)
        if want.schema[c].is_float():
            same = same | (a.is_nan() & b.is_nan())
        bad = joined.filter(~same)
        assert bad.is_empty(), f"column {c}: {bad.head(5)}"
    assert got.schema == want.schema if not tz_free else True


# ---------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def files(df: pl.DataFrame, folder: Path, parts: int) -> str:
    """The frame over ``parts`` Parquet files, every key spread over every file, and
    one more file with no rows (an empty partition)."""
    for k in range(parts):
        df.gather_every(parts, offset=k).write_parquet(folder / f"part{k}.parquet")
    df.head(0).write_parquet(folder / f"part{parts}.parquet")
    return str(folder / "*.parquet")


def test_dask_equals_polars(dask_client: Any, tmp_path: Path) -> None:
    import dask.dataframe as dd

    df = frame()
    pattern = files(df, tmp_path, 4)
    ddf = dd.read_parquet(pattern, dtype_backend="pyarrow")
    assert ddf.npartitions == 5
    out: Any = pgd.with_columns(ddf, by="id", **KEYED)
    # dtypes known before compute, and kept by compute
    assert list(out.columns) == [*df.columns, *KEYED]
    result = out.compute()
    assert (result.dtypes == out.dtypes).all()
    got = pl.from_pandas(result, nan_to_null=False)
    # What Dask read: the files in order; the single-machine result on the same rows.
    want = pl.read_parquet(pattern).with_columns(**KEYED)
    assert_same(want, got)


def test_dask_order_by_and_positional(dask_client: Any, tmp_path: Path) -> None:
    import dask.dataframe as dd

    df = frame(seed=3).sample(fraction=1.0, shuffle=True, seed=4)  # t out of order
    pattern = files(df, tmp_path, 3)
    ddf = dd.read_parquet(pattern, dtype_backend="pyarrow")
    exprs = [grad(pl.col("y")).gradient(x="t").over("id").alias("g")]
    got = computed(pgd.with_columns(ddf, *exprs, by=["id"], order_by="t"))
    want = pl.read_parquet(pattern).sort("id", "t", nulls_last=False).with_columns(*exprs)
    assert_same(want, got)


@pytest.mark.parametrize(
    ("npartitions", "width"), [(3, "uint8"), (256, "uint8"), (300, "uint16"), (70_000, "uint32")]
)
def test_dask_row_order_survives_any_arrival_order(npartitions: int, width: str) -> None:
    """The place each row carries through the shuffle (partition number, position) puts
    each key's rows back in input order, however the pieces arrive; the partition
    number's type follows the partition count (uint8, uint16, uint32)."""
    df = frame(n=900, keys=20)
    part_type = pgd._part_type(npartitions)
    assert np.dtype(part_type).name == width
    assert np.dtype(pgd._part_type(1)).name == "uint8"
    numbers = [0, npartitions // 2, npartitions - 1]  # up to the largest of that count
    tagged = [
        pgd._tag(p.to_pandas(use_pyarrow_extension_array=True), part_type, {"number": k})
        for k, p in zip(numbers, [df[:300], df[300:600], df[600:]])
    ]
    assert str(tagged[0][pgd.PART].dtype) == f"{np.dtype(part_type).name}[pyarrow]"
    pieces = [t.iloc[i::4] for t in tagged for i in range(4)]
    order = np.random.default_rng(1).permutation(len(pieces))
    arrived = pd.concat([pieces[i] for i in order], ignore_index=True)
    plan = Plan("test", arrived.columns[:-2], [], KEYED, "id", None)
    got = pl.from_pandas(pgd._run(arrived, plan), nan_to_null=False)
    assert_frame_equal(got, df.with_columns(**KEYED))


def computed(ddf: Any) -> pl.DataFrame:
    """A Dask result in Polars, NaN kept apart from null."""
    return pl.from_pandas(ddf.compute(), nan_to_null=False)


def _die_once(pdf: Any, marker: str) -> Any:
    """The first task to get here kills its worker process (the nanny starts another)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return pdf
    os.close(fd)
    os._exit(1)


def test_dask_worker_dies_mid_run(dask_client: Any, tmp_path: Path) -> None:
    import dask.dataframe as dd

    df = frame(seed=5)
    pattern = files(df, tmp_path, 4)
    marker = str(tmp_path / "died")
    ddf = dd.read_parquet(pattern, dtype_backend="pyarrow")
    ddf = ddf.map_partitions(_die_once, marker, meta=ddf._meta)
    got = computed(pgd.with_columns(ddf, by="id", **KEYED))
    assert os.path.exists(marker)  # a worker did die
    assert_same(pl.read_parquet(pattern).with_columns(**KEYED), got)


# ---------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("polars-gradient-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "7")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_equals_polars(spark: Any) -> None:
    import polars_gradient.spark as pgs

    df = frame(seed=7)
    # Several input partitions, each with every key, one of them empty.
    sdf = (
        spark.createDataFrame(df.to_arrow())
        .repartition(4)
        .union(spark.createDataFrame(df.head(0).to_arrow()))
    )
    # The input's row order as Spark has it: read with every column, since a round-robin
    # repartition sorts rows by their contents first (a pruned read would order them anew).
    order = pl.from_arrow(sdf.toArrow())
    assert isinstance(order, pl.DataFrame)
    order = order.select(RID)
    out = pgs.with_columns(sdf, by="id", **KEYED)
    assert out.columns == [*df.columns, *KEYED]
    got = pl.from_arrow(out.toArrow())
    assert isinstance(got, pl.DataFrame)
    # The input's row order, as Spark has it after the repartition.
    want = df.join(order.with_row_index("o"), on=RID).sort("o").drop("o").with_columns(**KEYED)
    assert_same(want, got, tz_free=True)


def test_spark_order_by(spark: Any) -> None:
    import polars_gradient.spark as pgs

    df = frame(seed=8).sample(fraction=1.0, shuffle=True, seed=9)
    sdf = spark.createDataFrame(df.to_arrow())
    g = grad(pl.col("y")).derivative(x="t", order=1, accuracy=4).over("id")
    got = pl.from_arrow(pgs.with_columns(sdf, g=g, by="id", order_by=["t"]).toArrow())
    assert isinstance(got, pl.DataFrame)
    want = df.sort("id", "t", nulls_last=False).with_columns(g=g)
    assert_same(want, got, tz_free=True)


def test_spark_schema_before_running(spark: Any) -> None:
    from pyspark.sql import types as T

    import polars_gradient.spark as pgs

    sdf = spark.createDataFrame(frame(n=50).to_arrow())
    out = pgs.with_columns(
        sdf, by="id", g=grad(pl.col("y").cast(pl.Float32)).gradient().over("id"), n=pl.lit(None)
    )
    fields = {f.name: f.dataType for f in out.schema.fields}
    assert fields["g"] == T.FloatType()
    assert fields["t"] == T.TimestampType()
    assert fields["n"] == T.NullType()


# ---------------------------------------------------------------- out of core


def test_sink_parquet_keyed_sorted_streams_in_input_order(tmp_path: Path) -> None:
    df = frame(n=20_000, keys=400, seed=11).sort("id", RID, nulls_last=False)
    df.write_parquet(tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    pg.sink_parquet(
        pl.scan_parquet(tmp_path / "in.parquet"), out, by="id", batch_rows=1500, **KEYED
    )
    got = pl.read_parquet(out)
    assert_same(df.with_columns(**KEYED), got)
    # The keyed stream keeps the input's order (the buckets would not).
    assert got[RID].to_list() == df[RID].to_list()
    assert not (tmp_path / "out.parquet.partial").exists()


@pytest.mark.parametrize("late", [False, True])
def test_sink_parquet_keys_in_any_order_through_buckets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late: bool
) -> None:
    df = frame(n=20_000, keys=400, seed=12)
    if late:
        # Sorted keys for 10k rows, then lower keys: found out after batches were written.
        ordered = df.sort("id", RID, nulls_last=False)
        df = pl.concat([ordered.filter(pl.col("id") >= 200), ordered.filter(pl.col("id") < 200)])
    df.write_parquet(tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    written: list[int] = []
    keyed = _outofcore._keyed

    def counted(plan: Any, part: pl.DataFrame) -> pl.DataFrame:
        written.append(part.height)
        return keyed(plan, part)

    monkeypatch.setattr(_outofcore, "_keyed", counted)
    lf = pl.scan_parquet(tmp_path / "in.parquet")
    pg.sink_parquet(lf, out, by="id", order_by="t", batch_rows=1500, **KEYED)
    got = pl.read_parquet(out)
    assert_same(df.sort("id", "t", nulls_last=False).with_columns(**KEYED), got)
    assert got[RID].to_list() != df[RID].to_list()  # bucket by bucket
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]
    # Interleaved keys go to the buckets from the first batch, before any sink starts.
    assert bool(written) == late


def test_sink_parquet_buckets_far_larger_than_a_batch_are_split_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20k rows in batches of 100: one pass makes 16 buckets (not 200, whose pieces would
    # number 200 * 200), about 1250 rows each, which are split again by another hash.
    df = frame(n=20_000, keys=400, seed=15)
    df.write_parquet(tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    seeds: list[tuple[int, int]] = []
    split = _outofcore._split
    ran: list[pl.DataFrame] = []
    apply = Plan.apply

    def counted_split(plan: Plan, frames: Any, count: int, seed: int, f: Any) -> Any:
        seeds.append((seed, count))
        return split(plan, frames, count, seed, f)

    def counted_apply(plan: Plan, df: pl.DataFrame) -> pl.DataFrame:
        ran.append(df)
        return apply(plan, df)

    monkeypatch.setattr(_outofcore, "_split", counted_split)
    monkeypatch.setattr(Plan, "apply", counted_apply)
    lf = pl.scan_parquet(tmp_path / "in.parquet")
    pg.sink_parquet(lf, out, by="id", batch_rows=100, **KEYED)
    got = pl.read_parquet(out)
    assert_same(df.with_columns(**KEYED), got)
    assert seeds[0] == (0, 16) and {s for s, _ in seeds} >= {0, 1}
    assert all(count <= 16 for _, count in seeds)
    # Every key in exactly one bucket, and every bucket of the first pass split: none of
    # several keys is left near its 1250 rows (a single key, here the null key's 400
    # rows, is never split).
    keys = [b["id"].unique() for b in ran if b.height]
    assert sum(len(k) for k in keys) == df["id"].n_unique()
    assert all(b.height <= 400 or b["id"].n_unique() == 1 for b in ran)
    assert max(b.height for b in ran) >= df["id"].is_null().sum() > 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]


def sink_in_new_folder(tmp_path: Path, df: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """``df`` through a Parquet file and ``sink_parquet(..., **kwargs)``, in a folder of
    its own (a hypothesis example shares ``tmp_path`` with the others): what it wrote."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    src, out = folder / "in.parquet", folder / "out.parquet"
    df.write_parquet(src)
    pg.sink_parquet(pl.scan_parquet(src), out, **kwargs)
    return pl.read_parquet(out)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(1, 4000),
    batch=st.integers(1, 300),
    keys=st.integers(1, 300),
    seed=st.integers(0, 10_000),
)
def test_sink_parquet_buckets_any_sizes(
    tmp_path: Path, n: int, batch: int, keys: int, seed: int
) -> None:
    # Interleaved keys (null keys, keys of one row, keys larger than a batch) in batches
    # from one row up: one pass or several, the same rows as in memory.
    df = frame(n=n, keys=keys, seed=seed)
    got = sink_in_new_folder(tmp_path, df, by="id", order_by="t", batch_rows=batch, **KEYED)
    assert_same(df.sort("id", "t", nulls_last=False).with_columns(**KEYED), got)


def test_sink_parquet_buckets_keep_every_dtype(tmp_path: Path) -> None:
    # The buckets are Arrow IPC streams written and read by Polars: every column comes
    # back as it went in, keyed here by a string and a Categorical.
    df = frame(n=5000, keys=120, seed=14)
    df = df.with_columns(
        s=pl.format("k{}", pl.col("id")),
        cat=pl.format("c{}", pl.col("id") % 7).cast(pl.Categorical),
        e=pl.col("id").fill_null(0).mod(3).cast(pl.String).cast(pl.Enum(["0", "1", "2"])),
        dec=pl.col("y").fill_nan(None).round(2).cast(pl.Decimal(10, 2)),
        lst=pl.concat_list(pl.col("y"), pl.col("y") * 2),
        st=pl.struct(a=pl.col("id"), b=pl.format("k{}", pl.col("id"))),
        day=pl.col("t").dt.date(),
        dur=pl.col("t") - pl.col("t").min(),
        flag=pl.col("y") > 0,
    )
    exprs: dict[str, Any] = {"g": grad(pl.col("y")).gradient(x="t").over("s", "cat")}
    src, out, want_path = tmp_path / "in.parquet", tmp_path / "out.parquet", tmp_path / "w.parquet"
    df.write_parquet(src)
    pg.sink_parquet(pl.scan_parquet(src), out, by=["s", "cat"], batch_rows=700, **exprs)
    df.with_columns(**exprs).write_parquet(want_path)
    got, want = pl.read_parquet(out), pl.read_parquet(want_path)
    assert got.schema == want.schema
    assert got[RID].to_list() != want[RID].to_list()  # bucket by bucket
    assert_frame_equal(got.sort(RID), want, check_exact=True, categorical_as_str=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet", "w.parquet"]


SERIES: dict[str, Any] = {
    "g2": grad(pl.col("y")).gradient(x="t", edge_order=2),
    "d": grad(pl.col("y")).derivative(order=3, accuracy=4),
    "di": grad(pl.col("y")).derivative(x="t", order=2, accuracy=4, ignore_nulls=True),
    "gg": grad(grad(pl.col("y")).gradient()).gradient(ignore_nulls=True),
    "s": grad(pl.col("y")).savgol(window=9, polyorder=3, order=1),
    "r": pl.col("y") * 3,
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(0, 3000),
    batch=st.integers(1, 700),
    seed=st.integers(0, 10_000),
    gap=st.integers(0, 900),
)
def test_sink_parquet_one_series_with_halo(
    tmp_path: Path, n: int, batch: int, seed: int, gap: int
) -> None:
    df = frame(n=n, keys=3, seed=seed) if n else frame(n=10).head(0)
    if n:  # a long run of nulls: null-skipping stencils reach across it
        start = seed % max(1, n)
        df = df.with_columns(
            y=pl.when(pl.col(RID).is_between(start, start + gap)).then(None).otherwise("y")
        )
    got = sink_in_new_folder(tmp_path, df, batch_rows=batch, **SERIES)
    assert_same(df.with_columns(**SERIES), got)


def test_sink_parquet_one_series_order_by_checked(tmp_path: Path) -> None:
    df = frame(n=3000, seed=13)
    df.write_parquet(tmp_path / "in.parquet")
    lf = pl.scan_parquet(tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    pg.sink_parquet(lf, out, g=grad(pl.col("y")).gradient(x="t"), order_by="t", batch_rows=500)
    assert_same(df.with_columns(g=grad(pl.col("y")).gradient(x="t")), pl.read_parquet(out))
    shuffled = tmp_path / "shuffled.parquet"
    df.sample(fraction=1.0, shuffle=True, seed=1).write_parquet(shuffled)
    with pytest.raises(ValueError, match="must already be in order_by"):
        pg.sink_parquet(
            pl.scan_parquet(shuffled), tmp_path / "o2.parquet", pl.col("y"), order_by="t"
        )
    assert not (tmp_path / "o2.parquet").exists()
    assert not (tmp_path / "o2.parquet.partial").exists()


# ---------------------------------------------------------------- errors


def test_bad_input_is_refused_before_anything_runs(tmp_path: Path) -> None:
    lf = frame(n=100).lazy()
    g = grad(pl.col("y")).gradient().over("id")
    with pytest.raises(ValueError, match="no column 'key'"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", g, by="key")
    with pytest.raises(ValueError, match="not computed within each key"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", pl.col("y") / pl.col("y").max(), by="id")
    with pytest.raises(ValueError, match="not computed within each key"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", grad(pl.col("y")).gradient(), by="id")
    with pytest.raises(ValueError, match="not computed within each key"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", pl.col("y").filter(pl.col("y") > 0), by="id")
    with pytest.raises(ValueError, match="keys do not include"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", pl.col("y").cum_sum().over("t"), by="id")
    with pytest.raises(ValueError, match="without bound"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", g)
    with pytest.raises(ValueError, match="without bound"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", grad(pl.col("y")).cumulative_trapezoid())
    with pytest.raises(ValueError, match="batch_rows"):
        pg.sink_parquet(lf, tmp_path / "a.parquet", g, by="id", batch_rows=0)
    with pytest.raises(TypeError, match="LazyFrame"):
        pg.sink_parquet(frame(n=10), tmp_path / "a.parquet", g, by="id")  # type: ignore[arg-type]
    taken = lf.with_columns(pl.col("y").alias("__polars_gradient_row_x"))
    with pytest.raises(ValueError, match="'__polars_gradient_row' are reserved"):
        pg.sink_parquet(taken, tmp_path / "a.parquet", g, by="id")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "exists.parquet").write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="exists"):
        pg.sink_parquet(lf, tmp_path / "exists.parquet", g, by="id")
    assert (tmp_path / "exists.parquet").read_bytes() == b"keep me"


def test_engines_refuse_bad_input_at_build_time(dask_client: Any, spark: Any) -> None:
    import dask.dataframe as dd

    import polars_gradient.spark as pgs

    df = frame(n=100)
    ddf = dd.from_pandas(  # type: ignore[no-untyped-call]
        df.to_pandas(use_pyarrow_extension_array=True), npartitions=2
    )
    sdf = spark.createDataFrame(df.to_arrow())
    for run in (pgd.with_columns, pgs.with_columns):
        data: Any = ddf if run is pgd.with_columns else sdf
        with pytest.raises(ValueError, match="no column 'nope'"):
            run(data, pl.col("y"), by="nope")
        with pytest.raises(ValueError, match="not computed within each key"):
            run(data, pl.col("y").sum(), by="id")
        with pytest.raises(ValueError, match="not computed within each key"):
            run(data, pl.col("y").head(3), by="id")
        with pytest.raises(TypeError, match="by must be"):
            run(data, pl.col("y"), by=3)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="no expressions"):
            run(data, by="id")


def test_plan_kwargs_are_read_as_plain_data_only() -> None:
    # A plan is untrusted input: its plugin kwargs are unpickled without any class or
    # function (a pickle that would call one is refused, not run).
    import io
    import pickle

    from polars_gradient._scope import _PlainUnpickler

    plain = {"called": {"function": "gradient", "edge_order": 2}, "per_ns": None, "n": [1, 2.5]}
    assert _PlainUnpickler(io.BytesIO(pickle.dumps(plain))).load() == plain

    class Boom:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (print, ("ran",))

    with pytest.raises(pickle.UnpicklingError, match=r"refused: builtins\.print"):
        _PlainUnpickler(io.BytesIO(pickle.dumps(Boom()))).load()


def test_scale_out_checks_name_a_node_they_do_not_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plan node of a Polars release this package has not seen: the scope checks refuse
    # and name it, with or without by.
    from polars_gradient import _rowwise

    monkeypatch.setattr(_rowwise, "_KNOWN_NODES", _rowwise._KNOWN_NODES - {"BinaryExpr"})
    lf = frame(n=100).lazy()
    expr = (pl.col("y") * 2.0).alias("z")
    unknown = r"has a node 'BinaryExpr' that this version of polars-gradient does not know"
    with pytest.raises(ValueError, match=unknown):
        pg.sink_parquet(lf, tmp_path / "a.parquet", expr, by="id")
    with pytest.raises(ValueError, match=unknown):
        pg.sink_parquet(lf, tmp_path / "b.parquet", expr)
    assert list(tmp_path.iterdir()) == []


def test_stencil_windows_come_from_the_compiled_stencils() -> None:
    # The halo carried between batches: each function's largest window, as Rust's
    # stencils define it (never restated in Python).
    from polars_gradient._internal import stencil_window

    assert stencil_window("gradient", edge_order=1) == 2
    assert stencil_window("gradient", edge_order=2) == 3
    assert stencil_window("derivative", order=2, accuracy=4) == 7  # even order, with x
    assert stencil_window("derivative", order=3, accuracy=2) == 5
    assert stencil_window("savgol", window_count=11) == 11
    assert stencil_window("savgol") is None  # a width window: no bound in rows
    assert stencil_window("cumulative_trapezoid") is None
    assert stencil_window("gradient") is None
