"""Sensor readings with irregular timestamps and gaps: the rate per hour, per sensor.

Run: python examples/sensors.py
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

import polars_gradient  # noqa: F401

t0 = dt.datetime(2026, 3, 29, 0, 0, tzinfo=dt.timezone.utc)
readings = pl.DataFrame(
    {
        "sensor": ["north", "south", "north", "north", "south", "north", "south", "south"],
        "time": [t0 + dt.timedelta(minutes=m) for m in (0, 5, 20, 50, 65, 110, 80, 140)],
        "level": [10.0, 3.0, 10.5, None, 4.0, 13.0, 4.6, 5.2],
    }
).with_columns(pl.col("time").dt.convert_time_zone("Europe/Paris"))

# Sort by time within each sensor first: a gradient reads the rows in order.
rates = (
    readings.lazy()
    .sort("sensor", "time")
    .with_columns(
        # Default: the missing reading nulls the rates that would read it.
        per_hour=pl.col("level").grad.gradient(x="time", per="1h").over("sensor"),
        # ignore_nulls: the gap is a longer step between the readings around it.
        per_hour_skip=pl.col("level")
        .grad.gradient(x="time", per="1h", ignore_nulls=True)
        .over("sensor"),
    )
    .collect()
)
print(rates)

north = rates.filter(pl.col("sensor") == "north").drop_nulls("level")
seconds = north["time"].dt.epoch("s")
hours = (seconds - seconds[0]).to_numpy() / 3600
print("numpy, north, gap skipped:", np.gradient(north["level"].to_numpy(), hours))
