"""The docstrings' Examples run as doctests against the installed package."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "polars_gradient._gradient",
    "polars_gradient._namespace",
    "polars_gradient._functions",
    "polars_gradient._smooth",
    "polars_gradient._integrals",
    "polars_gradient._counters",
    "polars_gradient._range_query",
    "polars_gradient._outofcore",
    "polars_gradient.dask",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
