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


def original_deit_lesion(model, x, block_index, drop_rate):
    """The original's feature-drop lesion (vit_models/deit.py, VanillaVisionTransformer.forward_features with
    block_index / drop_rate), written from its description for a timm ViT with one class token: the tokens after
    patch + position embedding; just before block ``block_index``, ``int(drop_rate * number of tokens)`` patch
    rows (class token counted in the size, never chosen) are picked once for the whole batch by the global numpy
    RNG without replacement and set to zero in every image; the final norm's class token goes through the head
    (the original's last list entry, ``clean_out[-1]``). ``x`` is the normalised input."""
    import numpy as np
    t = model._pos_embed(model.patch_embed(x))
    for idx, blk in enumerate(model.blocks):
        if idx == block_index:
            cls_tok, patches = t[:, :1], t[:, 1:].clone()
            rows = np.random.choice(range(t.shape[1] - 1), size=int(drop_rate * t.shape[1]), replace=False)
            patches[:, rows, :] = 0.0
            t = torch.cat((cls_tok, patches), dim=1)
        t = blk(t)
    return model.head(model.norm(t)[:, 0])


def original_resnet_drop(model, x, drop_layer, drop_percent):
    """The original's ResNet lesion (vit_models/resnet.py, NewResnet._forward_impl), written from its description
    for a timm ResNet: drop point 1 = after the max-pooled stem, 2..4 = after layer1..layer3 (before the next
    layer), 5 = after layer4; at that point one ``torch.rand(H, W)`` map for the whole batch (global torch RNG)
    keeps the positions where it exceeds ``drop_percent`` and zeroes the rest in every channel."""
    def drop(t):
        keep = (torch.rand(t.shape[2:], device=t.device) > drop_percent).unsqueeze(0).unsqueeze(0)
        return t * keep
    t = model.maxpool(model.act1(model.bn1(model.conv1(x))))
    for i, layer in enumerate((model.layer1, model.layer2, model.layer3, model.layer4), start=1):
        if drop_layer == i:
            t = drop(t)
        t = layer(t)
    if drop_layer == 5:
        t = drop(t)
    return model.forward_head(t)
