"""The package's expressions on a Spark DataFrame: repartitioned by key, each part run by Polars.

``pip install "polars-gradient[spark]"``; see :func:`with_columns`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import polars as pl
import pyarrow as pa
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

from ._pieces import ROW, Plan

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["with_columns"]


def _partition(
    batches: Iterator[pa.RecordBatch], plan: Plan, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """One Spark partition: its Arrow batches (about 10k rows each) joined into one
    frame, the expressions run, the result cast to the schema Spark was promised."""
    parts = list(batches)
    if not parts:
        return
    df = pl.from_arrow(pa.Table.from_batches(parts))
    assert isinstance(df, pl.DataFrame)
    out = plan.apply(df).to_arrow().cast(schema)
    yield from out.to_batches()


def with_columns(
    sdf: DataFrame,
    *exprs: pl.Expr | str,
    by: str | Sequence[str],
    order_by: str | Sequence[str] | None = None,
    **named_exprs: pl.Expr | str,
) -> DataFrame:
    """``with_columns(*exprs, **named_exprs)`` on a Spark DataFrame, key by key.

    The frame is repartitioned by ``by`` so that each partition holds every row of its
    keys; ``mapInArrow`` hands each partition to Polars as Arrow, its rows are put in order
    within each key, and Polars runs ``with_columns``. The result is the same as
    ``pl.DataFrame(...).with_columns(...)`` on the whole data, row for row.

    Parameters
    ----------
    sdf
        The Spark DataFrame.
    *exprs, **named_exprs
        Polars expressions, as for ``DataFrame.with_columns``, each computed within each key
        of ``by`` (``.over(by)``, ``partition_by=by``) or row by row; anything else is
        refused with ``ValueError`` (a partition holds only some keys).
    by
        The key column(s).
    order_by
        The column(s) that order the rows within a key; ties, and all rows when ``None``,
        keep the input's row order (carried through the shuffle with
        ``monotonically_increasing_id``).

    Returns
    -------
    pyspark.sql.DataFrame
        The input's columns and the new ones. The schema is known before anything runs: the
        expressions are run by Polars on an empty frame of the input's schema. Spark has no
        time zone per column: a ``Timestamp`` comes to Polars in the session's time zone and
        goes back as Spark's ``Timestamp``.
    """
    where = "polars_gradient.spark.with_columns"
    plan = Plan(where, sdf.columns, exprs, named_exprs, by, order_by)
    sdf = sdf.withColumn(ROW, F.monotonically_increasing_id())
    tz = sdf.sparkSession.conf.get("spark.sql.session.timeZone")
    arrow_in = to_arrow_schema(sdf.schema, timezone=tz)
    empty = pl.from_arrow(arrow_in.empty_table())
    assert isinstance(empty, pl.DataFrame)
    result = plan.apply(empty)
    spark_schema = from_arrow_schema(result.to_arrow().schema, prefer_timestamp_ntz=False)
    arrow_out = to_arrow_schema(spark_schema, timezone=tz)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _partition(batches, plan, arrow_out)

    keyed: Any = sdf.repartition(*[F.col(b) for b in plan.by])
    return cast("DataFrame", keyed.mapInArrow(run, spark_schema))
