"""Convergence figure: max error of the first derivative of sin against grid size.

    pip install matplotlib && python bench/accuracy.py   # writes docs/accuracy.png

Uniform and non-uniform grids on [0, 2*pi]; accuracy 2, 4 and 6 of `derivative`, and
numpy.gradient (edge_order=2) for comparison. Also prints the fitted convergence orders.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import polars as pl

import polars_gradient  # noqa: F401

SIZES = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]


def grid(n: int, uniform: bool) -> np.ndarray:
    s = np.linspace(0.0, 2 * np.pi, n)
    return s if uniform else s + 0.2 * np.sin(s)  # a smooth, non-uniform stretching


def max_error(n: int, uniform: bool, accuracy: int | None) -> float:
    x = grid(n, uniform)
    df = pl.DataFrame({"y": np.sin(x), "x": x})
    if accuracy is None:
        got = np.gradient(df["y"].to_numpy(), x, edge_order=2)
    else:
        got = df.select(pl.col("y").grad.derivative(x="x", accuracy=accuracy))["y"].to_numpy()
    return float(np.abs(got - np.cos(x)).max())


def main() -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for ax, uniform in zip(axes, (True, False)):
        h = [2 * np.pi / (n - 1) for n in SIZES]
        for accuracy, style in ((None, "k--"), (2, "o-"), (4, "s-"), (6, "^-")):
            errors = [max_error(n, uniform, accuracy) for n in SIZES]
            label = (
                "numpy.gradient (the same as accuracy 2)"
                if accuracy is None
                else f"derivative, accuracy {accuracy}"
            )
            fit = [(hh, e) for hh, e in zip(h, errors) if e > 1e-13]
            slope = np.polyfit(np.log([p[0] for p in fit]), np.log([p[1] for p in fit]), 1)[0]
            print(f"{'uniform' if uniform else 'non-uniform'}: {label}: order {slope:.2f}")
            ax.loglog(SIZES, errors, style, label=f"{label} (fitted order {slope:.1f})")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks([16, 32, 64, 128, 256, 512], ["16", "32", "64", "128", "256", "512"])
        ax.set_title("uniform grid" if uniform else "non-uniform grid")
        ax.set_xlabel("grid points on [0, 2π]")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("max |error| of d/dx sin x")
    fig.suptitle("polars-gradient: convergence of the first derivative")
    fig.tight_layout()
    out = Path(__file__).parents[1] / "docs" / "accuracy.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
