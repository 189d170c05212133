"""Each row of the documentation's table of rejected inputs, run as written.

The errors page (docs/guide/errors.md) gives a frame, then one row per rejected input: the
expression, the stage at which it fails and the exception with its message. This test builds
the expression from the row's text, checks that it fails at that stage and no earlier, with
that exception class and with the message shown (Polars' own prefix, shown as ``…``, left
out).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "errors.md"
TEXT = PAGE.read_text(encoding="utf-8")

FRAME = re.search(r"<!-- errors-frame -->\n```python\n(.*?)```", TEXT, re.S)
TABLE = re.search(r"<!-- errors-table -->\n(.*?)<!-- /errors-table -->", TEXT, re.S)
ROW = re.compile(r"^\| `(?P<code>.+)` \| (?P<when>\w+) \| `(?P<kind>\w+): (?P<message>.+)` \|$")


def rows() -> list[dict[str, str]]:
    assert TABLE is not None, "the errors page has no <!-- errors-table --> section"
    lines = [ln for ln in TABLE.group(1).strip().splitlines() if ln.startswith("| `")]
    parsed = []
    for line in lines:
        match = ROW.match(line)
        assert match is not None, f"errors row does not parse: {line}"
        parsed.append(match.groupdict())
    return parsed


ROWS = rows()
EXCEPTIONS: dict[str, type[Exception]] = {
    "ValueError": ValueError,
    "TypeError": TypeError,
    "ComputeError": pl.exceptions.ComputeError,
}


def frame_namespace() -> dict[str, Any]:
    assert FRAME is not None, "the errors page has no <!-- errors-frame --> code block"
    namespace: dict[str, Any] = {}
    exec(FRAME.group(1), namespace)
    return namespace


def test_the_table_is_long_and_covers_every_function() -> None:
    assert len(ROWS) >= 60
    codes = " ".join(r["code"] for r in ROWS)
    for name in (
        ".grad.gradient(",
        ".grad.derivative(",
        "pg.gradient(",
        "pg.derivative_of(",
        "pg.gradient_of(",
        "pg.gradient_horizontal(",
        ".grad.savgol(",
        ".grad.cumulative_trapezoid(",
        ".grad.trapezoid(",
    ):
        assert name in codes, name
    assert {r["when"] for r in ROWS} == {"building", "resolving", "running"}


@pytest.mark.parametrize("row", ROWS, ids=[r["code"] for r in ROWS])
def test_readme_error_row(row: dict[str, str]) -> None:
    namespace = frame_namespace()
    df: pl.DataFrame = namespace["df"]
    kind = EXCEPTIONS[row["kind"]]
    message = row["message"].removeprefix("… ")
    schema_ok = False
    with pytest.raises(kind) as info:
        expr = eval(row["code"], namespace)
        assert row["when"] != "building", "the expression was built without an error"
        df.lazy().select(expr).collect_schema()
        schema_ok = True
        assert row["when"] != "resolving", "the schema resolved without an error"
        df.select(expr)
    if row["when"] == "running":
        assert schema_ok, "failed while resolving the schema, not while running"
    got = str(info.value)
    assert message in got, f"\n  want: {message}\n  got:  {got}"
    assert "panic" not in got.lower()
