"""Jaccard index (IoU) of attention masks against a semantic ground truth, per the paper's protocol.

For one image: for every ground-truth class present (background 0 and void 255 are not classes),
take the IoU of the best head's mask with that class, then average over the classes. The dataset
score is the mean over images.

Void handling (``void``):
  * ``"exclude"`` (default, correct): void pixels are left out of intersection and union.
  * ``"union"`` (the original code): its ``(cur_mask != 255)`` test runs on a boolean class mask,
    so it never removes anything; void pixels that a head marks as foreground enlarge the union.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from intriguing.errors import UserError

VOID = 255
BACKGROUND = 0
VOID_MODES = ("exclude", "union")
PAD = VOID + 1  # the label around the smaller images of a batch padded to one size: no class, never counted


def batch_class_head_iou(
    masks: torch.Tensor, targets: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, void: str = "exclude"
) -> tuple[torch.Tensor, torch.Tensor]:
    """IoU of every head's mask with every label value 0..255, for a whole batch in one go (no loop over images,
    no host read).

    Args:
        masks: bool ``[B, heads, h, w]`` patch masks.
        targets: integer label maps ``[B, H, W]`` padded to a common size with :data:`PAD`.
        rows, cols: ``[B, H]`` / ``[B, W]``: the patch row / column each target pixel reads
            (:func:`intriguing.segmentation.masks.pixel_sources`; ``h`` / ``w`` = outside every mask; any value
            on padding).
    Returns:
        (present ``[B, 256]``, iou ``[B, 256, heads]`` float64): each image's exactly as scored alone (the
        counts are integers, the same whatever the padding).
    """
    if void not in VOID_MODES:
        raise UserError(f"Unknown void handling {void!r}; use one of {', '.join(VOID_MODES)}.")
    b, heads, h, w = masks.shape
    grid = F.pad(masks.bool(), (0, 1, 0, 1)).flatten(2)  # [B, heads, (h+1)(w+1)]: the extra row/col False
    where = (rows.unsqueeze(2) * (w + 1) + cols.unsqueeze(1)).flatten(1)  # [B, P]
    pred = grid.gather(2, where.unsqueeze(1).expand(-1, heads, -1))  # [B, heads, P]
    tgt = targets.flatten(1).long()
    keep = tgt != PAD
    if void == "exclude":
        keep = keep & (tgt != VOID)
    pred = pred & keep.unsqueeze(1)
    dt = torch.float32 if tgt.shape[1] < 2**24 else torch.float64  # exact integer counts
    gt = torch.zeros(b, PAD + 1, dtype=dt, device=tgt.device).scatter_add_(1, tgt, torch.ones_like(tgt, dtype=dt))
    inter = (
        torch.zeros(b, heads, PAD + 1, dtype=dt, device=tgt.device)
        .scatter_add_(2, tgt.unsqueeze(1).expand(-1, heads, -1), pred.to(dt))[:, :, :PAD]
        .double()
        .transpose(1, 2)
    )
    union = gt[:, :PAD].double().unsqueeze(2) + pred.sum(2).double().unsqueeze(1) - inter
    present = gt[:, :PAD] > 0
    present[:, BACKGROUND] = False
    present[:, VOID] = False
    return present, inter / union.clamp_min(1)


def jaccard_from_iou(classes: torch.Tensor, iou: torch.Tensor) -> dict:
    """The per-image record from the IoUs of its present ``classes`` ``[C]`` with every head (``iou`` ``[C, heads]``):
    best head per class, mean over classes."""
    if classes.numel() == 0:
        return {"jaccard": float("nan"), "classes": [], "class_iou": [], "best_head": []}
    best, head = iou.max(dim=1)
    return {
        "jaccard": float(best.mean()),
        "classes": classes.tolist(),
        "class_iou": best.tolist(),
        "best_head": head.tolist(),
    }
