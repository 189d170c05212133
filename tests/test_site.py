"""Every Python example of the documentation site and the README runs, as written.

A page's ```python blocks run in order in one namespace: a block of ``>>>`` lines is a
doctest (its output must match), any other block is run as a script. Output shown in a
```text block is not checked.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)


def blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def test_the_site_has_examples() -> None:
    assert sum(len(blocks(p)) for p in PAGES) >= 20
    assert (ROOT / "mkdocs.yml").exists()


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # files an example writes land in a fresh folder
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    parser = doctest.DocTestParser()
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    for i, code in enumerate(blocks(page)):
        where = f"{page.relative_to(ROOT)} block {i + 1}"
        if ">>> " in code:
            test = parser.get_doctest(code, namespace, where, str(page), 0)
            runner = doctest.DocTestRunner(optionflags=flags)
            runner.run(test, clear_globs=False)
            namespace.update(test.globs)  # the doctest ran on a copy of the namespace
            assert runner.failures == 0, f"{where}: {runner.failures} example(s) failed"
        else:
            exec(compile(code, where, "exec"), namespace)
