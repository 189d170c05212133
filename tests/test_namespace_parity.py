"""Every method of the ``grad`` namespace and its function form agree: the same parameters,
kinds and defaults, and the same list of documented parameters."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

import polars_gradient as pg

METHODS = [
    "gradient",
    "derivative",
    "savgol",
    "cumulative_trapezoid",
    "trapezoid",
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "deriv",
    "predict_linear",
    "resets",
    "changes",
    "unwrap_counter",
]


def documented(function: Callable[..., Any]) -> list[str]:
    """The names in the numpy-style ``Parameters`` section of the docstring."""
    doc = inspect.getdoc(function) or ""
    section = re.search(r"^Parameters\n-+\n(.*?)(?:^\w[^\n]*\n-+\n|\Z)", doc, re.M | re.S)
    assert section is not None, f"{function.__qualname__} documents no parameters"
    names: list[str] = []
    for line in section.group(1).splitlines():
        if line and not line.startswith(" "):
            names += [n.strip().lstrip("*") for n in line.split(":")[0].split(",")]
    return names


@pytest.mark.parametrize("name", METHODS)
def test_method_and_function_take_the_same_parameters(name: str) -> None:
    method = inspect.signature(getattr(pg.GradientNamespace, name))
    function = inspect.signature(getattr(pg, name))
    mine = [p for p in method.parameters.values() if p.name != "self"]
    theirs = [p for p in function.parameters.values() if p.name != "y"]
    assert [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in theirs
    ]
    assert method.return_annotation == function.return_annotation


@pytest.mark.parametrize("name", METHODS)
def test_method_and_function_document_the_same_parameters(name: str) -> None:
    method = documented(getattr(pg.GradientNamespace, name))
    function = [p for p in documented(getattr(pg, name)) if p != "y"]
    assert method == function
    signature = [p for p in inspect.signature(getattr(pg, name)).parameters if p != "y"]
    assert function == signature


def test_every_public_method_is_checked() -> None:
    public = [n for n in vars(pg.GradientNamespace) if not n.startswith("_")]
    assert sorted(public) == sorted(METHODS)
