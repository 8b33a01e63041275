"""Attention -> binary segmentation masks: keep the patches holding the top ``threshold`` of the mass.

The paper uses threshold 0.9 (DINO's own figures use 0.6). Masks live on the patch grid and are
nearest-upsampled to whatever resolution the ground truth is scored at.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch

from intriguing.errors import UserError
from intriguing.features.attention import TOKENS
from intriguing.features.saliency import mass_masks, to_pixels


def threshold_attention(attn: torch.Tensor, threshold: float) -> torch.Tensor:
    """Bool ``[B, heads, h, w]`` masks from attention ``[B, heads, h, w]`` (per-head top-mass rule)."""
    b, nh, h, w = attn.shape
    return mass_masks(attn.reshape(b, nh, h * w), [threshold])[:, :, 0].reshape(b, nh, h, w)


def mean_head_mask(attn: torch.Tensor, threshold: float) -> torch.Tensor:
    """Bool ``[B, h, w]`` mask of the head-averaged attention."""
    return threshold_attention(attn.mean(1, keepdim=True), threshold)[:, 0]


def masks_at(masks: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Nearest-upsample bool patch masks ``[..., h, w]`` to ``[..., H, W]``."""
    return to_pixels(masks, tuple(size))


def check_threshold_tokens(threshold: float, tokens: Sequence[str]) -> Tuple[str, ...]:
    """The options segmentation and its figures share: a mass threshold and the query tokens (comma lists split)."""
    tokens = tuple(t.strip() for item in tokens for t in str(item).split(",") if t.strip())
    if not 0.0 < threshold <= 1.0:
        raise UserError(f"--threshold must be in (0, 1]; got {threshold}.")
    bad = [t for t in tokens if t not in TOKENS]
    if bad or not tokens:
        raise UserError(f"--tokens takes {', '.join(TOKENS)}; got {', '.join(tokens) or 'nothing'}.")
    return tokens
