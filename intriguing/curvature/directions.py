"""Filter-normalised random directions and points on a 1-D / 2-D plane of parameter space (Li et al. 2018).

A direction has one Gaussian tensor per parameter. As in Li et al.'s ``net_plotter.py``:

* every parameter with 2 or more dimensions (conv kernels, linear / attention weights, embeddings) is
  normalised *per filter*: slice ``d[i]`` along the first (output) dimension is rescaled to the norm of
  the weight's slice ``w[i]``;
* 1-D parameters (biases, BatchNorm / LayerNorm scales and shifts) get a zero direction with
  ``ignore="biasbn"`` (their ``--xignore biasbn``, the setting of their paper's figures), or the
  weight itself with ``ignore="none"`` (their code's other branch, ``d.copy_(w)``).

``norm="paper"`` reproduces Park & Kim's ``ops/loss_landscapes.normalize_filter``, which takes the norm
over dimension 0 (one norm per input position across output filters) rather than per filter.
Parameters whose name matches an ``exclude`` pattern (Park & Kim: ``pos_embed``, ``relative_position``)
get a zero direction. BatchNorm running statistics are buffers, not parameters: they stay fixed, as
with Li et al.'s default ``dir_type=weights`` and with ``biasbn`` on states.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import torch

from intriguing.curvature.choices import IGNORES

EPS = 1e-10  # Li et al.'s guard against an all-zero direction slice


def filter_normalize(d: torch.Tensor, w: torch.Tensor, norm: str = "filter") -> torch.Tensor:
    """``d`` rescaled so each filter (slice along dim 0) has the norm of ``w``'s same filter."""
    if norm == "paper":  # Park & Kim: norms over dim 0, one per (in, kh, kw) position
        return d * (w.norm(dim=0, keepdim=True) / (d.norm(dim=0, keepdim=True) + 1e-7))
    if norm != "filter":
        raise ValueError(f"unknown normalisation {norm!r}")
    shape = (-1,) + (1,) * (d.dim() - 1)
    scale = w.flatten(1).norm(dim=1) / (d.flatten(1).norm(dim=1) + EPS)
    return d * scale.view(shape)


def random_direction(
    named_params: Sequence[tuple[str, torch.Tensor]],
    generator: torch.Generator,
    ignore: str = "biasbn",
    norm: str = "filter",
    exclude: Sequence[str] = (),
) -> list[torch.Tensor]:
    """One filter-normalised Gaussian direction (a tensor per parameter, on each parameter's device)."""
    if ignore not in IGNORES:
        raise ValueError(f"unknown ignore {ignore!r}")
    patterns = [re.compile(p) for p in exclude]
    out = []
    for name, w in named_params:
        w = w.detach()
        d = torch.randn(w.shape, generator=generator, dtype=torch.float32).to(device=w.device, dtype=w.dtype)
        if any(p.search(name) for p in patterns):
            d.zero_()
        elif w.dim() <= 1:
            d = torch.zeros_like(w) if ignore == "biasbn" else w.clone()
        else:
            d = filter_normalize(d, w, norm)
        out.append(d)
    return out


def grid_coords(points: int, span: float) -> list[float]:
    """``points`` evenly spaced step sizes in [-span, span] (0 included when ``points`` is odd)."""
    if points == 1:
        return [0.0]
    return [round(-span + 2 * span * i / (points - 1), 10) for i in range(points)]


@torch.no_grad()
def set_point(
    params: Sequence[torch.Tensor],
    base: Sequence[torch.Tensor],
    directions: Sequence[Sequence[torch.Tensor]],
    coords: Sequence[float],
) -> None:
    """In place: theta = base + sum_i coords[i] * directions[i] (coords all 0 restores ``base`` exactly)."""
    for j, (p, b) in enumerate(zip(params, base)):
        p.copy_(b)
        for d, c in zip(directions, coords):
            if c:
                p.add_(d[j], alpha=float(c))
