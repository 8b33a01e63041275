"""Attention -> binary segmentation masks: keep the patches holding the top ``threshold`` of the mass.

The paper uses threshold 0.9 (DINO's own figures use 0.6). Masks live on the patch grid and are
nearest-upsampled to whatever resolution the ground truth is scored at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F

from intriguing.errors import UserError
from intriguing.features.attention import TOKENS
from intriguing.features.saliency import mass_masks


def threshold_attention(attn: torch.Tensor, threshold: float) -> torch.Tensor:
    """Bool ``[B, heads, h, w]`` masks from attention ``[B, heads, h, w]`` (per-head top-mass rule)."""
    b, nh, h, w = attn.shape
    return mass_masks(attn.reshape(b, nh, h * w), [threshold])[:, :, 0].reshape(b, nh, h, w)


def mean_head_mask(attn: torch.Tensor, threshold: float) -> torch.Tensor:
    """Bool ``[B, h, w]`` mask of the head-averaged attention."""
    return threshold_attention(attn.mean(1, keepdim=True), threshold)[:, 0]


def _nearest(in_size: int, out_size: int) -> torch.Tensor:
    """For each of ``out_size`` positions, the source position of ``F.interpolate(mode="nearest")`` along one axis:
    read off the interpolation itself (an index ramp interpolated), so it is that kernel's rule exactly."""
    ramp = torch.arange(in_size, dtype=torch.float32).view(1, 1, in_size, 1)
    return F.interpolate(ramp, size=(out_size, 1), mode="nearest").view(out_size).long()


def pixel_sources(
    grid: tuple[int, int],
    size: tuple[int, int],
    extent: Optional[tuple[int, int]] = None,
    input_size: Optional[int] = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(rows [H], cols [W]): the patch row / column each pixel of a ``size`` mask comes from, for patch masks on
    ``grid`` upsampled by ``F.interpolate(mode="nearest")``; with ``extent`` (the cropped ``--paper-compat`` input)
    the masks cover ``extent`` of an ``input_size`` square and the rest is unmasked: those pixels point at row
    ``grid[0]`` / column ``grid[1]``, one past the grid, which the caller pads with False."""
    (h, w), (out_h, out_w) = grid, size
    if extent is None:
        return _nearest(h, out_h), _nearest(w, out_w)
    rows = torch.cat([_nearest(h, extent[0]), torch.full((input_size - extent[0],), h)])
    cols = torch.cat([_nearest(w, extent[1]), torch.full((input_size - extent[1],), w)])
    if (out_h, out_w) != (input_size, input_size):
        rows, cols = rows[_nearest(input_size, out_h)], cols[_nearest(input_size, out_w)]
    return rows, cols


def check_threshold_tokens(threshold: float, tokens: Sequence[str]) -> tuple[str, ...]:
    """The options segmentation and its figures share: a mass threshold and the query tokens (comma lists split)."""
    tokens = tuple(t.strip() for item in tokens for t in str(item).split(",") if t.strip())
    if not 0.0 < threshold <= 1.0:
        raise UserError(f"--threshold must be in (0, 1]; got {threshold}.")
    bad = [t for t in tokens if t not in TOKENS]
    if bad or not tokens:
        raise UserError(f"--tokens takes {', '.join(TOKENS)}; got {', '.join(tokens) or 'nothing'}.")
    return tokens
