"""Figures of ``intriguing factors``: ImageNet-X error ratios per factor and model, one panel per condition
(:func:`factor_bars`), and each factor's error ratio along a growing perturbation (:func:`factor_trend`).

Both are drawn from the computed ratios (``factors.csv`` holds the same numbers); a ratio of 1 (dotted) is the
model's overall error rate, so a bar right of it is a factor the model errs on more often than on average.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from intriguing.annotations.factors import ErrorRatios
from intriguing.plots.labels import wrap

MAX_PANELS_PER_ROW = 3


def _pretty(factor: str) -> str:
    return factor.replace("_", " ")


def factor_bars(
    panels: Sequence[tuple[str, Sequence[tuple[str, ErrorRatios]]]],
    factors: Sequence[str],
    min_images: int,
    out_path: str | Path,
    title: str,
) -> Path:
    """Horizontal bars of the error ratio (95% CI whiskers) of every factor some image carries, grouped by model
    (pale and hatched below ``min_images`` images: a handful of images gives a ratio, not evidence); ``panels`` is
    [(condition label, [(model label, ratios), ...]), ...]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    shown = [j for j in range(len(factors)) if any(r.images[j] > 0 for _, models in panels for _, r in models)]
    models = list(dict.fromkeys(m for _, ms in panels for m, _ in ms))
    cols = min(len(panels), MAX_PANELS_PER_ROW)
    rows = math.ceil(len(panels) / cols)
    height = 0.9 + 0.3 * len(shown) * max(1, len(models)) ** 0.5
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, height * rows), dpi=100, squeeze=False, sharex=True)
    width = 0.8 / max(1, len(models))
    colours = plt.get_cmap("tab10")
    for ax, (cond, entries) in zip(axes.flat, panels):
        n_images = max((r.images[j] for _, r in entries for j in shown), default=0)
        for k, (model, r) in enumerate(entries):
            y = np.arange(len(shown)) + (k - (len(entries) - 1) / 2) * width
            ratio = np.array([r.ratio[j] for j in shown])
            lo = np.array([r.ratio[j] - r.ci_low[j] for j in shown])
            hi = np.array([r.ci_high[j] - r.ratio[j] for j in shown])
            few = np.array([r.images[j] < min_images for j in shown])
            colour = colours(models.index(model) % 10)
            ax.barh(
                y[~few],
                np.nan_to_num(ratio[~few]),
                height=width,
                color=colour,
                label=model if ax is axes.flat[0] else None,
            )
            ax.barh(
                y[few], np.nan_to_num(ratio[few]), height=width, color=colour, alpha=0.3, hatch="///", edgecolor="white"
            )
            ok = np.isfinite(ratio) & np.isfinite(lo) & np.isfinite(hi)
            ax.errorbar(ratio[ok], y[ok], xerr=[lo[ok], hi[ok]], fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
        first = entries[0][1]
        ax.set_yticks(range(len(shown)), [f"{_pretty(factors[j])} ({first.images[j]})" for j in shown], fontsize=8)
        ax.invert_yaxis()
        ax.axvline(1.0, ls=":", color="black", lw=1)
        overall = ", ".join(f"{100 * r.overall:.0f}%" for _, r in entries)
        ax.set_title(f"{wrap(cond, 40)}\nerror {overall}, {first.n} images" if n_images else cond, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(f"error ratio (factor's error rate / overall)\npale: fewer than {min_images} images")
    fig.suptitle(f"{title}: {models[0]}" if len(models) == 1 else title, fontsize=10)
    if len(models) > 1:
        fig.legend(loc="lower center", ncol=min(len(models), 4), fontsize=8, bbox_to_anchor=(0.5, -0.02))
    out_path = Path(out_path)
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path


def factor_trend(
    series: dict[str, list[tuple[float, ErrorRatios]]],
    factors: Sequence[str],
    along: str,
    min_images: int,
    out_path: str | Path,
    title: str,
) -> Path:
    """One panel per (model, other condition fields): each factor's error ratio against ``along``, for the
    factors with at least ``min_images`` images."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(len(series), MAX_PANELS_PER_ROW)
    rows = math.ceil(len(series) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.8 * rows), dpi=100, squeeze=False)
    colours = plt.get_cmap("tab10")
    for ax, (label, points) in zip(axes.flat, series.items()):
        xs = [x for x, _ in points]
        drawn = [j for j in range(len(factors)) if min(r.images[j] for _, r in points) >= min_images]
        for j in drawn:
            ax.plot(
                xs,
                [r.ratio[j] for _, r in points],
                marker="o",
                ms=3,
                color=colours(j % 10),
                ls="-" if j < 10 else "--",
                label=_pretty(factors[j]),
            )
        ax.axhline(1.0, ls=":", color="black", lw=1)
        ax.set_xlabel(along)
        ax.set_ylabel("error ratio")
        ax.set_title(wrap(label, 48), fontsize=9)
        ax.grid(alpha=0.3)
        if drawn:
            ax.legend(fontsize=7, ncol=2)
    for ax in list(axes.flat)[len(series) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    out_path = Path(out_path)
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path
