"""Loss-landscape figures drawn from records: filled contours and 3-D surfaces, one panel per series."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intriguing.plots.labels import wrap

Panel = tuple[str, np.ndarray, np.ndarray, np.ndarray]  # (title, xs, ys, Z[len(ys), len(xs)])


def grid_of(rows: Sequence[dict], z: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, Z) from records with x, y columns; a missing point is NaN (a partial run still plots)."""
    xs = np.array(sorted({float(r["x"]) for r in rows}))
    ys = np.array(sorted({float(r["y"]) for r in rows}))
    Z = np.full((len(ys), len(xs)), np.nan)
    xi = {v: i for i, v in enumerate(xs)}
    yi = {v: i for i, v in enumerate(ys)}
    for r in rows:
        Z[yi[float(r["y"])], xi[float(r["x"])]] = float(r[z])
    return xs, ys, Z


def fit_title(fig, title: str, fontsize: float = 10) -> None:
    """The figure's suptitle wrapped to its width (a long one was cut off on both sides)."""
    chars = int(fig.get_figwidth() * 72 / (0.6 * fontsize))  # about 0.6 em per character
    fig.suptitle("\n".join(wrap(line, chars) for line in title.splitlines()), fontsize=fontsize)


def _layout(n: int, cols: int = 0) -> tuple[int, int]:
    cols = cols or min(n, 3)
    return (n + cols - 1) // cols, cols


def log_levels(Z: np.ndarray, n: int = 20) -> np.ndarray:
    """Contour levels evenly spaced in log(loss): a landscape spans orders of magnitude from its minimum to
    its rim, and linear levels would leave the basin around the trained weights one flat colour."""
    z = Z[np.isfinite(Z)]
    lo, hi = float(z.min()), float(z.max())
    if not hi > lo:
        return np.array([lo - 0.5, lo + 0.5])
    if lo > 0:
        return np.geomspace(lo, hi, n)
    return lo + np.geomspace(1e-3 * (hi - lo), hi - lo, n) - 1e-3 * (hi - lo)


def contour_panels(panels: Sequence[Panel], out_path: str | Path, title: str, zlabel: str, cols: int = 0) -> Path:
    """Filled contours, levels log-spaced per panel; the trained weights are the white cross at (0, 0)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm

    rows, cols = _layout(len(panels), cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.8 * rows + 0.5), dpi=110, squeeze=False)
    for ax, (name, xs, ys, Z) in zip(axes.flat, panels):
        Zm = np.ma.masked_invalid(Z)
        levels = log_levels(Z)
        norm = BoundaryNorm(levels, 256)
        cs = ax.contourf(xs, ys, Zm, levels=levels, cmap="viridis", norm=norm, extend="neither")
        ax.contour(xs, ys, Zm, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
        cb = fig.colorbar(cs, ax=ax, shrink=0.9, label=zlabel)
        cb.set_ticks(levels[::3])
        cb.set_ticklabels([f"{v:.3g}" for v in levels[::3]])
        ax.plot([0], [0], marker="+", color="white", ms=12, mew=2)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("direction 1")
        ax.set_ylabel("direction 2")
        ax.set_aspect("equal")
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fit_title(fig, title)
    fig.tight_layout()
    out_path = Path(out_path)
    fig.savefig(out_path, bbox_inches="tight")  # a 3-D axis label sticks out of tight_layout's box
    plt.close(fig)
    return out_path


def surface_panels(
    panels: Sequence[Panel], out_path: str | Path, title: str, zlabel: str, shared_z: bool = True, cols: int = 0
) -> Path:
    """3-D surfaces; with ``shared_z`` every panel has the same z range, so flatness compares across panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finite = [Z[np.isfinite(Z)] for *_, Z in panels if np.isfinite(Z).any()]
    zlim = (min(f.min() for f in finite), max(f.max() for f in finite)) if finite and shared_z else None
    rows, cols = _layout(len(panels), cols)
    fig = plt.figure(figsize=(4.4 * cols, 4.0 * rows + 0.5), dpi=110)
    for k, (name, xs, ys, Z) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, k + 1, projection="3d")
        X, Y = np.meshgrid(xs, ys)
        ax.plot_surface(
            X,
            Y,
            np.ma.masked_invalid(Z),
            cmap="plasma",
            linewidth=0.2,
            edgecolor="k",
            alpha=0.9,
            vmin=zlim[0] if zlim else None,
            vmax=zlim[1] if zlim else None,
        )
        if zlim:
            ax.set_zlim(*zlim)
        ax.view_init(elev=25, azim=-60)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("direction 1", fontsize=8)
        ax.set_ylabel("direction 2", fontsize=8)
        ax.set_zlabel(zlabel, fontsize=8)
        ax.tick_params(labelsize=7)
    fit_title(fig, title)
    fig.tight_layout()
    out_path = Path(out_path)
    fig.savefig(out_path, bbox_inches="tight")  # a 3-D axis label sticks out of tight_layout's box
    plt.close(fig)
    return out_path


def split(records: Sequence[dict], keys: Sequence[str]) -> dict[tuple, list[dict]]:
    """Records grouped by ``keys`` in first-seen order."""
    out: dict[tuple, list[dict]] = {}
    for r in records:
        out.setdefault(tuple(r.get(k) for k in keys), []).append(r)
    return out
