"""Per-image spellings of the segmentation scoring, kept for the tests: the command scores a whole padded batch
at once (``segmentation.jaccard.batch_class_head_iou`` over ``segmentation.masks.pixel_sources``); these score one
image, with its masks upsampled to the label map first, as the command did before (the tests check both agree)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from intriguing.segmentation.jaccard import BACKGROUND, VOID, batch_class_head_iou, jaccard_from_iou


def masks_at(masks: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Nearest-upsample bool patch masks ``[..., h, w]`` to ``[..., H, W]`` (same dtype)."""
    lead = masks.shape[:-2]
    up = F.interpolate(masks.reshape(-1, 1, *masks.shape[-2:]).float(), size=tuple(size), mode="nearest")
    return up.reshape(*lead, *size).to(masks.dtype)


def present_classes(target: torch.Tensor) -> torch.Tensor:
    """Sorted object classes in a label map (background and void left out)."""
    counts = torch.bincount(target.flatten().long(), minlength=VOID + 1)  # O(pixels); unique() sorts
    counts[BACKGROUND] = 0
    counts[VOID] = 0
    return counts.nonzero().flatten()


def dense_class_head_iou(
    masks: torch.Tensor, target: torch.Tensor, void: str = "exclude"
) -> tuple[torch.Tensor, torch.Tensor]:
    """IoU of every head's mask with every label value 0..255 for one image, with fixed shapes and no device-to-host
    sync (``batch_class_head_iou`` with a batch of one and each pixel reading its own mask pixel).

    Args:
        masks: bool ``[heads, H, W]`` (one mask per head), at the target's resolution.
        target: integer label map ``[H, W]`` (values 0..255).
    Returns:
        (present ``[256]`` bool: object classes in the target, iou ``[256, heads]`` float64; rows of absent
        labels are meaningless).
    """
    if masks.dim() != 3 or masks.shape[-2:] != target.shape[-2:]:
        raise ValueError(f"masks {tuple(masks.shape)} must be [heads, H, W] matching target {tuple(target.shape)}")
    h, w = target.shape[-2:]
    rows, cols = torch.arange(h, device=target.device), torch.arange(w, device=target.device)
    present, iou = batch_class_head_iou(masks[None], target[None], rows[None], cols[None], void)
    return present[0], iou[0]


def class_head_iou(
    masks: torch.Tensor, target: torch.Tensor, void: str = "exclude"
) -> tuple[torch.Tensor, torch.Tensor]:
    """IoU of every head's mask with every present class.

    Args:
        masks: bool ``[heads, H, W]`` (one mask per head), at the target's resolution.
        target: integer label map ``[H, W]``.
    Returns:
        (classes ``[C]``, iou ``[C, heads]`` float64); C may be 0.
    """
    present, iou = dense_class_head_iou(masks, target, void)
    classes = present.nonzero().flatten()
    return classes, iou[classes]


def image_jaccard(masks: torch.Tensor, target: torch.Tensor, void: str = "exclude") -> dict:
    """Per-image Jaccard: best head per class, mean over classes.

    Returns ``{"jaccard": float (nan when no object class is present), "classes": [...],
    "class_iou": [...], "best_head": [...]}``.
    """
    return jaccard_from_iou(*class_head_iou(masks, target, void))
