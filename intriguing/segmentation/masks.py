"""Attention -> binary segmentation masks: keep the patches holding the top ``threshold`` of the mass.

The paper uses threshold 0.9 (DINO's own figures use 0.6). Masks live on the patch grid and are
nearest-upsampled to whatever resolution the ground truth is scored at.
"""
from __future__ import annotations

import torch

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
