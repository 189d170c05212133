"""A tour of polars-gradient, next to numpy.gradient. Run: python examples/tour.py"""

from __future__ import annotations

import numpy as np
import polars as pl

import polars_gradient as pg

pl.Config.set_tbl_rows(20)

y = [1, 2, 4, 7, 11, 16]
x = [2, 1, 5, 10, 11, 15]
df = pl.DataFrame({"y": y, "x": x})

print("1. unit spacing, edge_order 1 and 2")
print(df.select(d1=pg.gradient("y"), d2=pg.gradient("y", edge_order=2)))
print("numpy:", np.gradient(y), np.gradient(y, edge_order=2))

print("\n2. uniform spacing 2")
print(df.select(pl.col("y").grad.gradient(spacing=2)))
print("numpy:", np.gradient(y, 2))

print("\n3. a coordinate column (non-monotonic)")
print(df.select(pl.col("y").grad.gradient(x="x")))
print("numpy:", np.gradient(y, x))

print("\n4. every column of a frame: numpy's axis 0")
frame = pl.DataFrame({"a": [10, 40], "b": [20, 50], "c": [30, 60]})
print(frame.select(pl.all().grad.gradient()))
print("numpy:\n", np.gradient(frame.to_numpy(), axis=0))

print("\n5. per sensor, irregular sampling, lazily")
readings = pl.DataFrame(
    {
        "sensor": ["a", "b", "a", "b", "a", "b", "a"],
        "t": [0.0, 0.0, 1.0, 2.0, 3.0, 3.0, 4.5],
        "temp": [20.0, 15.0, 21.0, 15.5, 24.0, 16.0, 27.0],
    }
)
rates = (
    readings.lazy()
    .with_columns(rate=pl.col("temp").grad.gradient(x="t", edge_order=2).over("sensor"))
    .collect()
)
print(rates)
for sensor in ("a", "b"):
    part = readings.filter(pl.col("sensor") == sensor)
    print(f"numpy, sensor {sensor}:", np.gradient(part["temp"], part["t"], edge_order=2))

print("\n6. one list per group")
print(readings.group_by("sensor", maintain_order=True).agg(pl.col("temp").grad.gradient(x="t")))
