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


def dino_interpolate_pos_encoding(pos_embed, npatch_h, npatch_w):
    """The original's (DINO's vision_transformer.py) position-embedding resize for a square checkpoint, written
    from its description: bicubic F.interpolate by scale factors (n + 0.1) / sqrt(N), no antialias."""
    import math

    import torch
    import torch.nn.functional as F
    class_pos_embed = pos_embed[:, 0]
    patch_pos_embed = pos_embed[:, 1:]
    n = patch_pos_embed.shape[1]
    dim = pos_embed.shape[-1]
    w0, h0 = npatch_h + 0.1, npatch_w + 0.1
    patch_pos_embed = F.interpolate(
        patch_pos_embed.reshape(1, int(math.sqrt(n)), int(math.sqrt(n)), dim).permute(0, 3, 1, 2),
        scale_factor=(w0 / math.sqrt(n), h0 / math.sqrt(n)), mode="bicubic")
    patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).view(1, -1, dim)
    return torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)
