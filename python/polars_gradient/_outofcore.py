"""``sink_parquet``: ``lf.with_columns(...)`` to Parquet in batches, never all data in memory.

Three routes, chosen from ``by`` and the data:

- ``by`` given, keys sorted (ascending, nulls first): batches streamed in order; the last
  key of a batch, perhaps unfinished, is carried into the next one.
- ``by`` given, keys in any other order (found out while streaming: a key lower than the one
  before): the rows go to hash buckets on disk by key, then each bucket is run in memory
  (a bucket far larger than a batch is first split again, by another hash).
- no ``by``: one ordered series; each batch is run with the rows around it that the widest
  stencil reads (its halo, from ``_scope.halo``), and only the rows whose stencil lies
  inside are written.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import tempfile
from array import array
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, cast

import polars as pl
from polars.io.plugins import register_io_source

from . import _scope
from ._pieces import ROW, Plan

_BUCKET = "__polars_gradient_bucket"
# A bucket in the scratch file: its pieces (one per batch that had rows of it) as byte
# offsets and lengths side by side, 16 bytes a piece, and its number of rows.
_Bucket = tuple["array[int]", int]
# The fewest rows a piece should have: a pass makes at most batch_rows // _PIECE_ROWS
# buckets (and at least 16), so the pieces, one per batch and bucket, stay few and large
# (with one pass into rows / batch_rows buckets they would number (rows / batch_rows)**2:
# 16M pieces of 62 rows at a billion rows). Buckets still too large are split again.
_PIECE_ROWS = 1000


def _gather(frames: Iterable[pl.DataFrame], rows: int) -> Iterator[pl.DataFrame]:
    """The frames, in order, joined into frames of at least ``rows`` rows (the last may
    have fewer)."""
    pending: list[pl.DataFrame] = []
    size = 0
    for b in frames:
        pending.append(b)
        size += b.height
        if size >= rows:
            yield pl.concat(pending, rechunk=False)
            pending, size = [], 0
    if size:
        yield pl.concat(pending, rechunk=False)


def _batches(lf: pl.LazyFrame, rows: int) -> Generator[pl.DataFrame, None, None]:
    """The query's result in order, about ``rows`` rows at a time, by Polars' streaming
    engine (``collect_batches``; on Polars without it, slices of the query)."""
    if hasattr(lf, "collect_batches"):
        yield from _gather(lf.collect_batches(chunk_size=rows, maintain_order=True), rows)
        return
    offset = 0
    while True:
        b = lf.slice(offset, rows).collect()
        if b.height:
            yield b
        if b.height < rows:
            return
        offset += rows


# Polars 2 sinks a Python IO source with its streaming engine; 1.x cannot (it panics).
_POLARS_SINKS_IO_SOURCES = int(pl.__version__.split(".")[0]) >= 2


def _sink(frames: Iterator[pl.DataFrame], schema: pl.Schema, path: Path) -> None:
    """The frames, in order, to one Parquet file: by Polars' own streaming sink (an IO
    source that pulls them one by one: one frame in memory at a time), or on Polars 1.x by
    pyarrow's writer. An exception in ``frames`` is raised here as itself."""
    if not _POLARS_SINKS_IO_SOURCES:
        _sink_pyarrow(frames, schema, path)
        return
    failed: list[BaseException] = []

    def guarded() -> Iterator[pl.DataFrame]:
        try:
            yield from frames
        except BaseException as e:  # handed back below, not wrapped by Polars
            failed.append(e)

    def source(
        with_columns: list[str] | None, predicate: Any, n_rows: int | None, batch_size: Any
    ) -> Iterator[pl.DataFrame]:
        for df in guarded():
            yield df if with_columns is None else df.select(with_columns)

    lf = register_io_source(source, schema=schema)
    try:
        lf.sink_parquet(path)
    except Exception:
        if not failed:
            raise
    if failed:
        raise failed[0]


def _sink_pyarrow(frames: Iterator[pl.DataFrame], schema: pl.Schema, path: Path) -> None:
    """``_sink`` with pyarrow's Parquet writer, a row group per frame."""
    try:
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "polars_gradient.sink_parquet needs pyarrow on Polars 1.x: "
            "pip install 'polars-gradient[parquet]'"
        ) from e
    writer = None
    try:
        for df in frames:
            table = df.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
        if writer is None:  # no rows: an empty file with the schema
            writer = pq.ParquetWriter(path, pl.DataFrame(schema=schema).to_arrow().schema)
    finally:
        if writer is not None:
            writer.close()


class _NotContiguous(Exception):
    """The keys are not sorted: the keyed stream cannot go on."""


def _keyed_stream(plan: Plan, batches: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """Route 1: whole keys in a row. The rows of the last key of each batch wait for the next."""
    last: tuple[Any, ...] | None = None  # the key of the last run so far
    carry: pl.DataFrame | None = None
    for batch in batches:
        if batch.is_empty():
            continue
        frame = batch if carry is None else pl.concat([carry, batch], how="vertical")
        first, keys = _runs(plan, frame)
        if (last is not None and keys[0] < last) or not _rising(keys):
            raise _NotContiguous
        last = keys[-1]
        n_done = int(first.arg_true()[-1])  # the last run waits
        if n_done:
            yield _keyed(plan, frame.head(n_done))
        carry = frame.slice(n_done)
    if carry is not None:
        yield _keyed(plan, carry)


def _sink_sorted(plan: Plan, lf: pl.LazyFrame, rows: int, schema: pl.Schema, path: Path) -> bool:
    """Route 1 to ``path``; False when the keys turn out not to be sorted. Only then,
    with the stream and its traceback gone (they hold Polars' streaming engine and its
    buffers), may the caller start the bucket route."""
    batches = _batches(lf, rows)
    head = next(batches, None)
    # Keys out of order in the first batch (interleaved keys, the common case): no sink
    # is started, and its memory is not added to the buckets'.
    if head is not None and not _rising(_runs(plan, head)[1]):
        batches.close()
        return False
    stream = itertools.chain([] if head is None else [head], batches)
    del head  # the chain holds the first batch until it is written, no longer
    try:
        _sink(_keyed_stream(plan, stream), schema, path)
    except _NotContiguous:
        return False
    return True


def _runs(plan: Plan, frame: pl.DataFrame) -> tuple[pl.Series, list[tuple[Any, ...]]]:
    """Which rows of ``frame`` start a run of equal keys, and each run's key (``_rank``)."""
    run = frame.select(plan.key.rle_id())[:, 0]
    first = run != run.shift(1, fill_value=-1)
    return first, [_rank(k) for k in frame.select(plan.by).filter(first).rows()]


def _rising(keys: list[tuple[Any, ...]]) -> bool:
    """Whether the runs' keys rise from run to run (nulls first): this proves each key
    comes in one run, without remembering them."""
    return all(a < b for a, b in zip(keys, keys[1:]))


def _rank(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row of keys made comparable: nulls first, then values, then NaN (as Polars sorts)."""
    return tuple((0, 0) if v is None else (2, 0) if v != v else (1, v) for v in row)


def _keyed(plan: Plan, df: pl.DataFrame) -> pl.DataFrame:
    """Whole keys, in input order: each key's rows ordered by ``order_by`` (keys keep
    their order; ties keep the input's order), the expressions run."""
    if plan.order_by:
        run = "__polars_gradient_run"
        df = df.with_columns(plan.key.rle_id().alias(run))
        df = df.sort([run, *plan.order_by], maintain_order=True, nulls_last=False).drop(run)
    return df.with_columns(*plan.exprs)


def _bucket_count(total: int, rows: int) -> int:
    """How many buckets one pass splits ``total`` rows into: about ``rows`` rows each,
    but no more than keeps the pieces at about ``_PIECE_ROWS`` rows or more."""
    return max(1, min(math.ceil(total / rows), max(16, rows // _PIECE_ROWS)))


def _split(
    plan: Plan, frames: Iterable[pl.DataFrame], count: int, seed: int, f: IO[bytes]
) -> list[_Bucket]:
    """Each frame's rows to ``count`` hash buckets by key (each key in one bucket; the
    hash's ``seed`` differs at each level of splitting). Each frame's share of a bucket is
    an Arrow IPC stream written by Polars, appended to the one scratch file ``f``: no
    file per bucket (no limit on open files), and no pyarrow. The buckets' pieces are in
    frame order."""
    pieces: dict[int, array[int]] = {}
    sizes: dict[int, int] = {}
    bucket = (pl.struct(plan.by).hash(seed=seed) % count).alias(_BUCKET)
    for frame in frames:
        parts = frame.with_columns(bucket).partition_by(_BUCKET, as_dict=True, include_key=False)
        for key, part in parts.items():
            k = cast(int, key[0])  # the bucket number (Polars 1.x types keys as object)
            offset = f.seek(0, os.SEEK_END)
            part.write_ipc_stream(f, compression="uncompressed")
            pieces.setdefault(k, array("q")).extend((offset, f.tell() - offset))
            sizes[k] = sizes.get(k, 0) + part.height
    return [(pieces[k], sizes[k]) for k in sorted(pieces)]


def _read(f: IO[bytes], pieces: array[int]) -> Iterator[pl.DataFrame]:
    """A bucket's pieces, one frame each, in order."""
    for i in range(0, len(pieces), 2):
        f.seek(pieces[i])
        yield pl.read_ipc_stream(io.BytesIO(f.read(pieces[i + 1])))


def _fill_buckets(
    plan: Plan, lf: pl.LazyFrame, rows: int, f: IO[bytes]
) -> tuple[list[_Bucket], int]:
    """Route 2, first pass: the rows, numbered in input order (``ROW``), to hash buckets
    in ``f``. Returns the buckets and the number of rows."""

    def numbered() -> Iterator[pl.DataFrame]:
        start = 0
        for b in _batches(lf, rows):
            yield b.with_columns(pl.int_range(start, start + b.height).alias(ROW))
            start += b.height

    n = lf.select(pl.len()).collect().item()
    return _split(plan, numbered(), _bucket_count(n, rows), 0, f), n


def _run_buckets(
    plan: Plan, buckets: list[_Bucket], total: int, rows: int, f: IO[bytes], seed: int = 0
) -> Iterator[pl.DataFrame]:
    """Route 2, second pass: each bucket in memory, its keys in order, the expressions
    run. A bucket of more than twice ``rows`` rows (out of ``total`` split at level
    ``seed``) is first split again, by another hash, unless splitting did not shrink it
    (one key, or keys hashed alike, larger than that: run as it is)."""
    for pieces, size in buckets:
        if 2 * rows < size < total:
            frames = _gather(_read(f, pieces), rows)
            sub = _split(plan, frames, _bucket_count(size, rows), seed + 1, f)
            yield from _run_buckets(plan, sub, size, rows, f, seed + 1)
        else:
            yield plan.apply(pl.concat(_read(f, pieces), rechunk=False))


def _suffix_rows(frame: pl.DataFrame, halo: _scope.Halo, from_end: bool) -> int:
    """How many rows at one end of ``frame`` hold ``halo.rows`` rows and, for each
    null-skipping stencil, as many rows where its inputs are valid as it reads."""
    need = min(halo.rows, frame.height)
    for valid, count in halo.valid:
        mask = frame.select(valid.alias("v"))["v"].fill_null(False)
        if from_end:
            mask = mask.reverse()
        seen = mask.cast(pl.UInt32).cum_sum()
        enough = (seen >= count).arg_true()
        need = max(need, frame.height if enough.is_empty() else int(enough[0]) + 1)
    return need


def _series_stream(
    plan: Plan, halo: _scope.Halo, batches: Iterator[pl.DataFrame]
) -> Iterator[pl.DataFrame]:
    """Route 3: one ordered series, each batch with its halo."""
    context: pl.DataFrame | None = None  # rows written already, read as context
    pending: pl.DataFrame | None = None  # rows not written yet
    last_order: tuple[Any, ...] | None = None
    for batch in batches:
        if batch.is_empty():
            continue
        if plan.order_by:
            last_order = _check_order(plan, batch, last_order)
        pending = batch if pending is None else pl.concat([pending, batch], how="vertical")
        frame = pending if context is None else pl.concat([context, pending], how="vertical")
        skip = 0 if context is None else context.height
        hold = _suffix_rows(frame, halo, from_end=True)
        end = frame.height - hold
        if end <= skip:
            continue
        result = frame.with_columns(*plan.exprs)
        yield result.slice(skip, end - skip)
        done = frame.head(end)
        context = done.tail(_suffix_rows(done, halo, from_end=True))
        pending = frame.slice(end)
    if pending is not None:
        frame = pending if context is None else pl.concat([context, pending], how="vertical")
        skip = 0 if context is None else context.height
        if frame.height > skip:
            yield frame.with_columns(*plan.exprs).slice(skip)


def _check_order(
    plan: Plan, batch: pl.DataFrame, last: tuple[Any, ...] | None
) -> tuple[Any, ...] | None:
    """Raise unless the batch is ordered by ``order_by`` and follows the last one."""
    if batch.is_empty():
        return last
    keys = batch.select(plan.order_by).with_row_index("i")
    index = keys.sort(plan.order_by, maintain_order=True, nulls_last=False)["i"]
    first = batch.select(plan.order_by).row(0)

    if not index.equals(pl.int_range(batch.height, eager=True).cast(index.dtype)) or (
        last is not None and _rank(first) < _rank(last)
    ):
        raise ValueError(
            f"sink_parquet: without by=, the rows must already be in order_by={plan.order_by} "
            "order (a series cannot be sorted out of core here); sort first, e.g. "
            "lf.sort(...).sink_parquet(...) with Polars, then run on that file"
        )
    return batch.select(plan.order_by).row(-1)


def sink_parquet(
    lf: pl.LazyFrame,
    path: str | os.PathLike[str],
    *exprs: pl.Expr | str,
    by: str | Sequence[str] | None = None,
    order_by: str | Sequence[str] | None = None,
    batch_rows: int = 250_000,
    **named_exprs: pl.Expr | str,
) -> None:
    """Write ``lf.with_columns(*exprs, **named_exprs)`` to the Parquet file ``path``
    without holding the data in memory.

    Parameters
    ----------
    lf
        The query (a ``scan_parquet`` of a large file, for example), read in batches by
        Polars' streaming engine.
    path
        The Parquet file to write, by Polars' own streaming sink. It must not exist
        (``FileExistsError``: nothing is overwritten); the data goes to
        ``path + ".partial"`` first and takes the name ``path`` only when complete, so a
        failure never leaves a half-written ``path``.
    *exprs, **named_exprs
        Polars expressions, as for ``LazyFrame.with_columns``. With ``by``: computed within
        each key (``.over(by)``, ``partition_by=by``) or row by row. Without ``by``: row-wise
        parts and the stencils of ``gradient``, ``derivative`` and count-window ``savgol``
        (also nested), whose reach in rows is known; anything that may read rows without
        bound (``cum_sum``, ``cumulative_trapezoid``, a width window) is refused with
        ``ValueError``.
    by
        The key column(s). When the rows are sorted by the keys (ascending, nulls first),
        the batches are streamed in order and the output keeps the input's row order;
        otherwise (found while streaming) the rows go through hash buckets on disk, and the
        output comes bucket by bucket, each key's rows together.
    order_by
        The column(s) that order the rows within a key (``None``: the input's order). Without
        ``by``, the rows must already be in this order (checked).
    batch_rows
        Rows per batch (and per bucket): memory grows with this, not with the data.

    Notes
    -----
    Memory is about one batch (and, with ``by``, the largest key): a key is never split.
    Without ``by``, a batch is run together with the rows just before it (already written)
    and the rows at its end wait for the next batch, as many as the widest stencil reads
    (for ``ignore_nulls=True``, as many valid rows), so each written row is computed from
    exactly the rows it reads in the whole series.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import polars as pl, polars_gradient as pg
    >>> lf = pl.LazyFrame({"id": [1, 1, 1, 2, 2], "y": [0.0, 1.0, 4.0, 5.0, 7.0]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.parquet"
    >>> pg.sink_parquet(lf, path, g=pl.col("y").grad.gradient().over("id"), by="id")
    >>> pl.read_parquet(path)["g"].to_list()
    [1.0, 2.0, 3.0, 2.0, 2.0]
    """
    where = "polars_gradient.sink_parquet"
    if not isinstance(lf, pl.LazyFrame):
        raise TypeError(f"{where}: expected a LazyFrame, got {type(lf).__name__}")
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(f"{where}: batch_rows must be a positive integer, got {batch_rows!r}")
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{where}: {str(target)!r} exists; remove it or choose another path")
    schema = lf.collect_schema()
    plan = Plan(where, schema.names(), exprs, named_exprs, by, order_by, need_by=False)
    halo = None if plan.by else _scope.halo(plan.exprs, where)
    out_schema = plan.output_schema(schema)
    partial = target.with_name(target.name + ".partial")
    try:
        if halo is not None:
            _sink(_series_stream(plan, halo, _batches(lf, batch_rows)), out_schema, partial)
        elif not _sink_sorted(plan, lf, batch_rows, out_schema, partial):
            partial.unlink(missing_ok=True)
            handle, name = tempfile.mkstemp(prefix=".buckets-", suffix=".arrows", dir=target.parent)
            os.close(handle)
            scratch = Path(name)
            try:
                with scratch.open("w+b") as f:
                    # All rows to the buckets before the sink starts: the reader's and the
                    # sink's buffers are never held at once.
                    buckets, n = _fill_buckets(plan, lf, batch_rows, f)
                    _sink(_run_buckets(plan, buckets, n, batch_rows, f), out_schema, partial)
            finally:
                scratch.unlink(missing_ok=True)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
