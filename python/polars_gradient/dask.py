"""The package's expressions on a Dask DataFrame: shuffled by key, each partition run by Polars.

``pip install "polars-gradient[dask]"``; see :func:`with_columns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import dask.dataframe as dd
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from ._pieces import ROW, Plan

__all__ = ["with_columns"]

# Each row's place in the input travels through the shuffle as two narrow columns: the
# partition's number (uint8 up to 256 partitions) and the position in it (uint32). That is
# 5 bytes a row to move where one int64 took 8; `_run` joins them back into one row number.
PART = f"{ROW}_partition"


def _part_type(npartitions: int) -> Any:
    """The narrowest unsigned type for partition numbers 0 .. npartitions - 1."""
    return np.min_scalar_type(max(npartitions - 1, 0))


def _tag(
    pdf: pd.DataFrame, part_type: Any, partition_info: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The partition's rows with their place: (partition number, position)."""
    number = 0 if partition_info is None else int(partition_info["number"])
    n = len(pdf)
    if n > np.iinfo(np.uint32).max:
        raise ValueError(
            f"polars_gradient.dask.with_columns: partition {number} has {n} rows, more than"
            " 2**32 - 1; repartition the frame into smaller partitions"
        )
    return pdf.assign(
        **{
            PART: pd.arrays.ArrowExtensionArray(pa.array(np.full(n, number, dtype=part_type))),
            ROW: pd.arrays.ArrowExtensionArray(pa.array(np.arange(n, dtype=np.uint32))),
        }
    )


def _to_polars(pdf: pd.DataFrame) -> pl.DataFrame:
    # Zero-copy for pyarrow-backed columns; NaN stays NaN, distinct from null.
    return pl.from_pandas(pdf, nan_to_null=False, include_index=False)


def _run(pdf: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    df = _to_polars(pdf)
    row = pl.col(PART).cast(pl.Int64) * (1 << 32) + pl.col(ROW).cast(pl.Int64)
    out = plan.apply(df.with_columns(row.alias(ROW)).drop(PART))
    return out.to_pandas(use_pyarrow_extension_array=True)


def with_columns(
    ddf: dd.DataFrame,
    *exprs: pl.Expr | str,
    by: str | Sequence[str],
    order_by: str | Sequence[str] | None = None,
    **named_exprs: pl.Expr | str,
) -> dd.DataFrame:
    """``with_columns(*exprs, **named_exprs)`` on a Dask DataFrame, key by key.

    The frame is shuffled by ``by`` so that each partition holds every row of its keys;
    each partition goes to Polars without a copy (pyarrow-backed columns), its rows are put
    in order within each key, and Polars runs ``with_columns``. The result is the same as
    ``pl.DataFrame(...).with_columns(...)`` on the whole data, row for row.

    Parameters
    ----------
    ddf
        The Dask DataFrame. pyarrow-backed columns (``dtype_backend="pyarrow"``) go to Polars
        without a copy; NaN and null stay distinct.
    *exprs, **named_exprs
        Polars expressions, as for ``DataFrame.with_columns``. Each must be computed within
        each key of ``by`` (``.over(by)``, ``partition_by=by``, finer groups that include
        ``by``) or act row by row; anything else (``pl.col("y").sum()``, a gradient of the
        whole column) would see only a partition and is refused with ``ValueError``.
    by
        The key column(s).
    order_by
        The column(s) that order the rows within a key before the expressions run; ties,
        and all rows when ``None``, keep the input's row order (carried through the
        shuffle: no engine keeps it).

    Returns
    -------
    dask.dataframe.DataFrame
        The input's columns and the new ones, pyarrow-backed, dtypes known before compute.
        Rows come grouped by partition after the shuffle, each key's rows in order; the
        index is a fresh range per partition.

    Notes
    -----
    The shuffle is Dask's, by the method configured (``dataframe.shuffle.method``; on a
    cluster Dask's default is ``"p2p"``). For data of a few partitions per worker,
    ``dask.config.set({"dataframe.shuffle.method": "tasks"})`` was the faster one in
    ``bench/scale.py``; ``"p2p"`` is the one built for many partitions and bounded memory.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, polars as pl, polars_gradient as pg
    >>> pdf = pd.DataFrame({"id": [1, 2, 1, 2, 1], "y": [0.0, 5.0, 1.0, 7.0, 4.0]})
    >>> ddf = dd.from_pandas(pdf, npartitions=2)
    >>> out = pg.dask.with_columns(ddf, g=pl.col("y").grad.gradient().over("id"), by="id")
    >>> out.compute().sort_values(["id", "y"])["g"].tolist()
    [1.0, 2.0, 3.0, 2.0, 2.0]
    """
    where = "polars_gradient.dask.with_columns"
    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(f"{where}: expected a dask DataFrame, got {type(ddf).__name__}")
    plan = Plan(where, ddf.columns, exprs, named_exprs, by, order_by)
    source: Any = ddf
    part_type = _part_type(source.npartitions)
    frame = source.map_partitions(_tag, part_type, meta=_tag(source._meta, part_type))
    meta = _run(frame._meta, plan)
    # The index is not carried (each partition gets a fresh one): fewer bytes to move.
    shuffled = frame.shuffle(on=plan.by, ignore_index=True)
    result = shuffled.map_partitions(_run, plan, meta=meta, align_dataframes=False)
    return cast(dd.DataFrame, result)
