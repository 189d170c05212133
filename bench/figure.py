"""Draws the documentation's figures: docs/savgol.png (noisy data), docs/counter.png (a counter)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import datetime as dt

import matplotlib.pyplot as plt
import numpy as np
import polars as pl

import polars_gradient as pg

DOCS = Path(__file__).parent.parent / "docs"

rng = np.random.default_rng(0)
t = np.sort(rng.uniform(0, 10, 300))
df = pl.DataFrame({"t": t, "y": np.sin(t) + rng.normal(0, 0.05, t.size)})
out = df.with_columns(
    raw=pg.gradient("y", x="t"),
    smooth=pg.savgol("y", x="t", window=1.0, polyorder=2),
)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
top.plot(t, df["y"], ".", ms=3, label="noisy sin(t), irregular t")
top.legend(loc="upper right")
bottom.plot(t, out["raw"], color="0.7", lw=0.8, label="gradient (raw)")
bottom.plot(t, out["smooth"], lw=2, label="savgol(window=1.0, polyorder=2)")
bottom.plot(t, np.cos(t), "k--", lw=1, label="true derivative cos(t)")
bottom.set_ylim(-4, 4)
bottom.set_xlabel("t")
bottom.legend(loc="upper right")
fig.tight_layout()
fig.savefig(DOCS / "savgol.png", dpi=90)

# A request counter scraped every 15 s for an hour, restarted twice: its plain gradient
# has a spike at each restart; rate() over 5 minutes does not.
n = 240
times = [dt.datetime(2026, 1, 1) + dt.timedelta(seconds=15 * k) for k in range(n)]
load = 20 + 10 * np.sin(np.arange(n) / 40)
counter = np.cumsum(rng.poisson(load * 15)).astype(float)
for restart in (80, 170):
    counter[restart:] -= counter[restart - 1] - rng.uniform(0, 50)
c = pl.DataFrame({"t": times, "requests_total": counter}).with_columns(
    gradient=pl.col("requests_total").grad.gradient(x="t"),
    rate=pl.col("requests_total").grad.rate(x="t", window="5m"),
)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
top.plot(c["t"], c["requests_total"], lw=1.5, label="requests_total (restarted twice)")
top.legend(loc="upper left")
bottom.plot(c["t"], c["gradient"], color="0.7", lw=0.8, label="gradient(x='t')")
bottom.plot(c["t"], c["rate"], lw=2, label="rate(x='t', window='5m')")
bottom.plot(c["t"], load, "k--", lw=1, label="true requests per second")
bottom.set_ylim(-40, 60)
bottom.set_ylabel("per second")
bottom.legend(loc="lower left")
fig.autofmt_xdate()
fig.tight_layout()
fig.savefig(DOCS / "counter.png", dpi=90)
print(DOCS / "savgol.png", DOCS / "counter.png")
