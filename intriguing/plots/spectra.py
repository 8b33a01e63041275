"""Hessian spectrum figures drawn from records: distributions of per-batch eigenvalues, SLQ densities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def distribution_plot(series: dict[str, Sequence[float]], out_path: str | Path, xlabel: str, title: str) -> Path:
    """Histogram + kernel density per series (Park & Kim's max-eigenvalue spectrum); 0 marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.stats import gaussian_kde

    allv = np.concatenate([np.asarray(v, dtype=float) for v in series.values()])
    lo, hi = float(allv.min()), float(allv.max())
    pad = 0.1 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    grid = np.linspace(lo - pad, hi + pad, 400)
    bins = np.linspace(lo - pad, hi + pad, 31)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for k, (label, vals) in enumerate(series.items()):
        v = np.asarray(vals, dtype=float)
        color = f"C{k}"
        ax.hist(v, bins=bins, density=True, alpha=0.3, color=color)
        if v.size > 2 and np.ptp(v) > 0:
            ax.plot(grid, gaussian_kde(v)(grid), color=color, label=f"{label} (n={v.size}, median {np.median(v):.3g})")
        else:
            ax.axvline(float(v.mean()), color=color, label=f"{label} (n={v.size})")
    if lo < 0 < hi or abs(lo) < pad:
        ax.axvline(0, color="k", lw=0.8, ls=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out_path = Path(out_path)
    fig.savefig(out_path)
    plt.close(fig)
    return out_path


def density_plot(
    series: dict[str, list[tuple[np.ndarray, np.ndarray]]], out_path: str | Path, title: str, sigma_frac: float = 0.01
) -> Path:
    """Gaussian-smoothed SLQ density per series on a log y axis (as Ghorbani et al. / PyHessian);
    the kernel width is ``sigma_frac`` of the spectrum's range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from intriguing.curvature.eigen import spectral_density

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for k, (label, quad) in enumerate(series.items()):
        nodes = np.concatenate([n for n, _ in quad])
        lo, hi = float(nodes.min()), float(nodes.max())
        width = hi - lo if hi > lo else max(abs(hi), 1.0)
        sigma = sigma_frac * width
        grid = torch.linspace(lo - 0.05 * width, hi + 0.05 * width, 1000)
        dens = spectral_density([(torch.as_tensor(n), torch.as_tensor(w)) for n, w in quad], grid, sigma).numpy()
        ax.semilogy(grid.numpy(), np.maximum(dens, 1e-12), color=f"C{k}", label=label)
    ax.set_ylim(bottom=1e-6)
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density (log scale)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out_path = Path(out_path)
    fig.savefig(out_path)
    plt.close(fig)
    return out_path
