"""Numerical gradients as a first-class Polars expression.

``import polars_gradient`` registers the expression namespace ``grad``::

    pl.col("y").grad.gradient(x="t", edge_order=2).over("sensor")

and provides the function forms (:func:`gradient` ...), PromQL's rate family (:func:`rate`
...) with :func:`range_query`, :func:`sink_parquet` for data
larger than memory, and the submodules ``polars_gradient.dask`` and
``polars_gradient.spark`` (imported on their own: they need those engines).
"""

from __future__ import annotations

from polars_gradient._counters import (
    changes,
    delta,
    deriv,
    idelta,
    increase,
    irate,
    predict_linear,
    rate,
    resets,
    unwrap_counter,
)
from polars_gradient._functions import derivative_of, gradient_of
from polars_gradient._gradient import derivative, gradient, gradient_horizontal
from polars_gradient._integrals import cumulative_trapezoid, trapezoid
from polars_gradient._internal import __version__
from polars_gradient._namespace import GradientNamespace
from polars_gradient._outofcore import sink_parquet
from polars_gradient._range_query import range_query
from polars_gradient._smooth import savgol

__all__ = [
    "GradientNamespace",
    "__version__",
    "changes",
    "cumulative_trapezoid",
    "delta",
    "deriv",
    "derivative",
    "derivative_of",
    "gradient",
    "gradient_horizontal",
    "gradient_of",
    "idelta",
    "increase",
    "irate",
    "predict_linear",
    "range_query",
    "rate",
    "resets",
    "savgol",
    "sink_parquet",
    "trapezoid",
    "unwrap_counter",
]


def __getattr__(name: str) -> object:
    """``polars_gradient.dask`` and ``polars_gradient.spark``, imported on first use."""
    if name in ("dask", "spark"):
        import importlib

        return importlib.import_module(f"polars_gradient.{name}")
    raise AttributeError(f"module 'polars_gradient' has no attribute {name!r}")
