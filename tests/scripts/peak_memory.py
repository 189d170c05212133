"""Peak memory of one ungrouped gradient, run alone in a fresh process.

Usage: ``python peak_memory.py ROWS [x] [nulls]``: a Float64 ``y`` of ROWS rows, with a
Float64 ``x`` if asked, and with every 1000th ``y`` null if asked. Prints one JSON line:
the bytes of the inputs and of the output; ``extra``, the process's peak resident memory
above what it held before the inputs were made; ``call``, its peak above what it held
when the gradient was called (Linux ``VmHWM``, reset just before the call).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import polars as pl

import polars_gradient as pg


def status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def main() -> None:
    n = int(sys.argv[1])
    with_x, nulls = "x" in sys.argv[2:], "nulls" in sys.argv[2:]
    before = status("VmRSS:")
    columns = {}
    for name, scale in [("y", 1.0), ("x", 0.5)][: 1 + with_x]:
        values = np.arange(n, dtype=np.float64) * scale
        if name == "y" and nulls:
            values[7::1000] = np.nan
            columns[name] = pl.Series(name, values).fill_nan(None)
        else:
            columns[name] = pl.Series(name, values)  # Polars' own copy (or a view) of numpy's
        del values
    df = pl.DataFrame(columns).rechunk()
    inputs = df.estimated_size()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak (VmHWM) to the current resident size
    at_call = status("VmRSS:")
    out = df.select(pg.gradient("y", "x" if with_x else None))
    peak = status("VmHWM:")
    assert out.height == n and out["y"][1] == (2.0 if with_x else 1.0)
    print(
        json.dumps(
            {
                "inputs": inputs,
                "output": out.estimated_size(),
                "extra": peak - before,
                "call": peak - at_call,
            }
        )
    )


if __name__ == "__main__":
    main()
