"""Write a benchmark table into docs/benchmarks.md between its named markers."""

from __future__ import annotations

from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_page(table: str, name: str = "bench-table") -> None:
    """Put ``table`` between ``<!-- name -->`` and ``<!-- /name -->``: figures live in one page."""
    text = PAGE.read_text(encoding="utf-8")
    start, end = f"<!-- {name} -->\n", f"<!-- /{name} -->"
    if start not in text or end not in text:
        raise SystemExit(f"{PAGE} has no {start.strip()} ... {end} markers")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    PAGE.write_text(before + start + table + "\n" + end + after, encoding="utf-8")
