"""Draws docs/savgol.png: a noisy irregular series, its raw gradient, its Savitzky–Golay one."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import polars as pl

import polars_gradient as pg

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
path = Path(__file__).parent.parent / "docs" / "savgol.png"
path.parent.mkdir(exist_ok=True)
fig.tight_layout()
fig.savefig(path, dpi=90)
print(path)
