"""Request counters of two instances, restarted now and then: PromQL's rate per instance, on a
dashboard's grid, and each instance's total with the restarts handled.

Run: python examples/metrics.py
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

import polars_gradient as pg

rng = np.random.default_rng(1)
t0 = dt.datetime(2026, 1, 1)
frames = []
for instance, load in (("api-1", 20.0), ("api-2", 5.0)):
    n = 240  # an hour of 15 s scrapes
    counter = np.cumsum(rng.poisson(load * 15, n)).astype(float)
    restart = int(rng.integers(60, 180))
    counter[restart:] -= counter[restart - 1]  # the process restarted: back to (near) zero
    frames.append(
        pl.DataFrame(
            {
                "instance": instance,
                "t": [t0 + dt.timedelta(seconds=15 * k) for k in range(n)],
                "requests_total": counter,
            }
        )
    )
scrapes = pl.concat(frames).sort("t")  # interleaved in time, as a scrape store holds them

# rate(requests_total[5m]) at every scrape, per instance.
c = pl.col("requests_total").grad
print(scrapes.with_columns(rps=c.rate(x="t", window="5m").over("instance")).tail(4))

# The same on a dashboard's grid: every 10 minutes, per instance.
grid = pg.range_query(
    scrapes,
    rps=c.rate(x="t", window="5m"),
    x="t",
    by="instance",
    start=t0 + dt.timedelta(minutes=10),
    end=t0 + dt.timedelta(minutes=50),
    step="10m",
)
print(grid)

# Each instance's requests over the hour, the restart handled (window=None).
totals = scrapes.group_by("instance", maintain_order=True).agg(served=c.increase(x="t"))
print(totals)

# The same with numpy: the counter's increments, a drop counting as a restart from zero.
for instance, served in totals.iter_rows():
    v = scrapes.filter(pl.col("instance") == instance)["requests_total"].to_numpy()
    d = np.diff(v)
    by_numpy = np.where(d < 0, v[1:], d).sum()
    assert np.isclose(served, by_numpy, rtol=1e-12), (instance, served, by_numpy)
print("increase agrees with numpy's sum of increments (a drop is a restart) for each instance")
