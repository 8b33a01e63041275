"""Reference: the original IPViT code's DINO saliency mask, written out line for line, so tests can
compare our implementation with it (not used by the library)."""
from __future__ import annotations

import torch


def original_dino_mask(attentions: torch.Tensor, lam: float) -> torch.Tensor:
    """IPViT evaluate.py's DINO mask (rows = images): True for the patches holding the top ``lam`` mass."""
    val, idx = torch.sort(attentions)
    val /= torch.sum(val, dim=1, keepdim=True)
    cumval = torch.cumsum(val, dim=1)
    th_attn = cumval > (1 - lam)
    idx2 = torch.argsort(idx)
    for b in range(th_attn.shape[0]):
        th_attn[b] = th_attn[b][idx2[b]]
    return th_attn
