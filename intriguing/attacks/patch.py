"""Universal adversarial patches (Brown et al. 2017): square patch size, per-image random placement, pasting.

A patch covering ``area`` of an HxW image is a square of side round(sqrt(area * H * W)) (the paper's 5 / 15 / 25 %
areas). Positions are drawn per image from (seed, purpose, run, image index), so they do not depend on the batch.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from intriguing.seeding import per_image_uniform


def patch_side(area: float, size: tuple) -> int:
    """Side of the square patch covering ``area`` (a fraction) of an image of ``size`` (H, W)."""
    h, w = size
    if not 0 < area <= 1:
        raise ValueError(f"patch area must lie in (0, 1]; got {area}")
    return max(1, min(h, w, int(round(math.sqrt(area * h * w)))))


def fit_patch(patch: torch.Tensor, side: int) -> torch.Tensor:
    """``patch`` resized to ``side`` pixels (a patch learned at another input size keeps its area fraction)."""
    if patch.shape[-1] == side:
        return patch
    return F.interpolate(patch[None], size=(side, side), mode="bilinear", antialias=True, align_corners=False)[0].clamp(
        0, 1
    )


def patch_positions(indices: torch.Tensor, side: int, size: tuple, *parts: object) -> torch.Tensor:
    """(B, 2) top-left corners (row, col), uniform over the positions where the patch fits."""
    h, w = size
    u = per_image_uniform(indices.cpu(), 2, *parts)
    rows = (u[:, 0] * (h - side + 1)).long().clamp_max(h - side)
    cols = (u[:, 1] * (w - side + 1)).long().clamp_max(w - side)
    return torch.stack([rows, cols], 1)


def paste_patch(x: torch.Tensor, patch: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """``x`` with ``patch`` (C, s, s) pasted at each image's (row, col); differentiable in ``patch``."""
    b, _, h, w = x.shape
    s = patch.shape[-1]
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    r0 = positions[:, 0].to(x.device).view(b, 1, 1)
    c0 = positions[:, 1].to(x.device).view(b, 1, 1)
    inside = ((rows >= r0) & (rows < r0 + s) & (cols >= c0) & (cols < c0 + s)).unsqueeze(1)  # (B, 1, H, W)
    canvas = torch.zeros_like(x)
    for i in range(b):  # place the patch on each image's canvas (a few hundred images per step at most)
        r, c = int(positions[i, 0]), int(positions[i, 1])
        canvas[i, :, r : r + s, c : c + s] = patch.to(x.dtype)
    return torch.where(inside, canvas, x)
