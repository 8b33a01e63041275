"""Figures of attention and attention masks over the image (matplotlib, no display needed).

Figures are built with :class:`matplotlib.figure.Figure` directly (never pyplot), so they render
through the Agg canvas on any machine, in threads, and leave no global state behind.
Per image: one PNG per head (heat map + mask contour), one for the mean-head map, and a grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

MASK_COLOR = (0.1, 0.45, 1.0)


def _np_image(image01: torch.Tensor | np.ndarray) -> np.ndarray:
    """[3, H, W] tensor or [H, W, 3] array in [0, 1] -> float [H, W, 3] array."""
    if isinstance(image01, torch.Tensor):
        image01 = image01.detach().float().cpu()
        image01 = (
            image01.permute(1, 2, 0).numpy() if image01.dim() == 3 and image01.shape[0] in (1, 3) else image01.numpy()
        )
    img = np.asarray(image01, dtype=np.float32)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=-1)
    return np.clip(img, 0.0, 1.0)


def _np(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return x.detach().float().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=np.float32)


def _pixel_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-upsample a patch-grid mask to the image's pixel grid."""
    if mask.shape == shape:
        return mask.astype(bool)
    rows = (np.arange(shape[0]) * mask.shape[0] // shape[0]).clip(0, mask.shape[0] - 1)
    cols = (np.arange(shape[1]) * mask.shape[1] // shape[1]).clip(0, mask.shape[1] - 1)
    return mask.astype(bool)[rows][:, cols]


def add_colorbar(fig, im, axes) -> None:
    """What the colours mean: one bar for the heat maps drawn on ``axes`` (an axis or a list of axes)."""
    bar = fig.colorbar(im, ax=axes, fraction=0.046, pad=0.02, shrink=0.9)
    bar.set_label("attention (min-max scaled)", fontsize=7)
    bar.ax.tick_params(labelsize=6)


def draw_overlay(
    ax,
    image01,
    heat=None,
    mask=None,
    title: str | None = None,
    alpha: float = 0.55,
    fill_mask: bool = False,
    colorbar: bool = True,
):
    """Draw the image, optionally an attention heat map (min-max scaled, with a colour bar unless
    ``colorbar`` is False: a grid draws one bar for all its maps) and a mask contour/fill. Returns the heat
    map's image artist (None without a heat map)."""
    im = None
    img = _np_image(image01)
    h, w = img.shape[:2]
    ax.imshow(img, extent=(0, w, h, 0), interpolation="bilinear")
    if heat is not None:
        hm = _np(heat)
        rng = float(hm.max() - hm.min())
        hm = (hm - hm.min()) / rng if rng > 0 else np.zeros_like(hm)
        im = ax.imshow(hm, extent=(0, w, h, 0), cmap="inferno", alpha=alpha, interpolation="nearest", vmin=0, vmax=1)
        if colorbar:
            add_colorbar(ax.figure, im, ax)
    if mask is not None:
        pm = _pixel_mask(_np(mask) > 0.5, (h, w))
        if fill_mask:
            rgba = np.zeros((h, w, 4), dtype=np.float32)
            rgba[pm] = (*MASK_COLOR, 0.45)
            ax.imshow(rgba, extent=(0, w, h, 0), interpolation="nearest")
        if pm.any() and not pm.all():
            padded = np.pad(pm.astype(np.float32), 1)  # pad so masks touching the border close
            ys, xs = np.arange(-1, h + 1) + 0.5, np.arange(-1, w + 1) + 0.5
            ax.contour(xs, ys, padded, levels=[0.5], colors=[MASK_COLOR], linewidths=1.2)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=8)
    return im


def overlay_figure(image01, heat=None, mask=None, title: str | None = None, inches: float = 3.0):
    """A one-panel figure (used for each head and for the mean-head map)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(inches + (0.6 if heat is not None else 0), inches), dpi=100, layout="constrained")
    draw_overlay(fig.add_subplot(), image01, heat, mask, title)  # constrained layout leaves room for the bar
    return fig


def voc_color(label: int) -> tuple:
    """PASCAL VOC's palette colour of a class index (the devkit's bit-interleaving rule), in [0, 1]."""
    r = g = b = 0
    c = int(label)
    for j in range(8):
        r |= ((c >> 0) & 1) << (7 - j)
        g |= ((c >> 1) & 1) << (7 - j)
        b |= ((c >> 2) & 1) << (7 - j)
        c >>= 3
    return r / 255, g / 255, b / 255


def draw_labels(ax, image01, target, title: str = "ground truth") -> None:
    """A VOC label map over the image: classes in VOC colours, background clear, void (255) white."""
    img = _np_image(image01)
    h, w = img.shape[:2]
    lab = _np(target).astype(np.int64)
    ax.imshow(img, extent=(0, w, h, 0), interpolation="bilinear")
    rgba = np.zeros((*lab.shape, 4), dtype=np.float32)
    for c in np.unique(lab):
        if c != 0:
            rgba[lab == c] = (1, 1, 1, 0.85) if c == 255 else (*voc_color(c), 0.65)
    ax.imshow(rgba, extent=(0, w, h, 0), interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)


def grid_figure(
    image01,
    heads: Sequence,
    masks: Sequence,
    mean_heat=None,
    mean_mask=None,
    title: str | None = None,
    inches: float = 1.6,
    target=None,
):
    """Two rows: image + heat map (with contour) per head + mean; then the filled masks.

    ``target`` (a label map at any resolution) fills the otherwise empty bottom-left panel.
    """
    from matplotlib.figure import Figure

    cols = 1 + len(heads) + (mean_heat is not None)
    fig = Figure(figsize=(inches * cols + 0.7, inches * 2 + (0.3 if title else 0)), dpi=100, layout="constrained")
    axes = fig.subplots(2, cols, squeeze=False)
    draw_overlay(axes[0, 0], image01, title="image")
    if target is not None:
        draw_labels(axes[1, 0], image01, target)
    else:
        axes[1, 0].set_axis_off()
    panels = [(f"head {i}", h, m) for i, (h, m) in enumerate(zip(heads, masks))]
    if mean_heat is not None:
        panels.append(("mean of heads", mean_heat, mean_mask))
    im = None
    for c, (name, heat, mask) in enumerate(panels, start=1):
        im = draw_overlay(axes[0, c], image01, heat, mask, title=name, colorbar=False)
        draw_overlay(axes[1, c], image01, None, mask, title=f"{name} mask", fill_mask=True)
    if im is not None:  # every map is min-max scaled to [0, 1]: one bar serves the row
        add_colorbar(fig, im, axes[0, 1:].tolist())
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def save_figure(fig, path: str | Path, dpi: int = 100) -> Path:
    """Write a PNG (creating its folder) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png", bbox_inches="tight")  # titles and colour bars never clipped
    return path


def save_attention_figures(
    out_dir: str | Path,
    stem: str,
    image01,
    attn: torch.Tensor,
    masks: torch.Tensor,
    mean_mask: torch.Tensor | None = None,
    title: str | None = None,
    per_head: bool = True,
    dpi: int = 100,
    target=None,
) -> list[Path]:
    """All figures for one image: ``{stem}_head{k}.png``, ``{stem}_mean.png`` and ``{stem}_grid.png``.

    Args:
        image01: [3, H, W] in [0, 1]; attn: [heads, h, w] attention; masks: [heads, h, w] bool;
        mean_mask: [h, w] mask of the head-averaged attention (drawn with the mean map when given);
        target: optional ground-truth label map shown in the grid.
    """
    out = Path(out_dir)
    written = []
    mean_heat = attn.float().mean(0)
    if per_head:
        for k in range(attn.shape[0]):
            fig = overlay_figure(image01, attn[k], masks[k], title=f"{stem} head {k}")
            written.append(save_figure(fig, out / f"{stem}_head{k}.png", dpi))
    written.append(
        save_figure(
            overlay_figure(image01, mean_heat, mean_mask, title=f"{stem} mean of heads"), out / f"{stem}_mean.png", dpi
        )
    )
    grid = grid_figure(image01, list(attn), list(masks), mean_heat, mean_mask, title=title or stem, target=target)
    written.append(save_figure(grid, out / f"{stem}_grid.png", dpi))
    return written
