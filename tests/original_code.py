"""Reference: the original IPViT code's DINO saliency mask, attention readout and lesions, written out line for
line, so tests can compare our implementation with it (not used by the library)."""

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
    """DINO's own position-embedding resize (facebookresearch/dino vision_transformer.py, not the Intriguing code's:
    see :func:`original_forward_selfattention`) for a square checkpoint: bicubic F.interpolate by scale factors
    (n + 0.1) / sqrt(N), no antialias."""
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
        scale_factor=(w0 / math.sqrt(n), h0 / math.sqrt(n)),
        mode="bicubic",
    )
    patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).view(1, -1, dim)
    return torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)


def original_selfattention_pos_embed(model, w0, h0):
    """The position embedding of :func:`original_forward_selfattention` for a ``w0 x h0`` patch grid (rows x
    columns), its lines as in the original."""
    import math

    import torch
    from torch import nn

    x = model.pos_embed  # the original's x (the patch tokens): only its device and width are read here
    dim = x.shape[-1]
    class_pos_embed = model.pos_embed[:, 0]
    if model.pos_embed.shape[1] == 198:
        N = model.pos_embed.shape[1] - 2
        dist_pos_embed = model.pos_embed[:, 1]
        patch_pos_embed = model.pos_embed[:, 2:]
    else:
        N = model.pos_embed.shape[1] - 1
        patch_pos_embed = model.pos_embed[:, 1:]
    patch_pos_embed = nn.functional.interpolate(
        patch_pos_embed.reshape(1, int(math.sqrt(N)), int(math.sqrt(N)), dim).permute(0, 3, 1, 2),
        scale_factor=(w0 / math.sqrt(N), h0 / math.sqrt(N)),
        mode="bicubic",
    )
    if w0 != patch_pos_embed.shape[-2]:
        helper = torch.zeros(h0)[None, None, None, :].repeat(1, dim, w0 - patch_pos_embed.shape[-2], 1).to(x.device)
        patch_pos_embed = torch.cat((patch_pos_embed, helper), dim=-2)
    if h0 != patch_pos_embed.shape[-1]:
        helper = torch.zeros(w0)[None, None, :, None].repeat(1, dim, 1, h0 - patch_pos_embed.shape[-1]).to(x.device)
        patch_pos_embed = torch.cat((patch_pos_embed, helper), dim=-1)
    patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).view(1, -1, dim)
    if model.pos_embed.shape[1] == 198:
        pos_embed = torch.cat((class_pos_embed.unsqueeze(0), dist_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)
    else:
        pos_embed = torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)
    return pos_embed


def original_forward_selfattention(model, x):
    """The original's ``forward_selfattention`` (vit_models/dino.py), restated line for line for a timm ViT (one
    class token, or class + distillation token when the position embedding has 198 rows): patch embedding, the
    position embedding interpolated bicubically by ``scale_factor = (w0 / sqrt(N), h0 / sqrt(N))`` (``w0`` = rows,
    as the original names ``x.shape[2]`` w) and padded with zeros where the result falls short, every block but the
    last, then the last block's softmaxed attention ``[B, heads, tokens, tokens]``."""
    import torch

    B, nc, w, h = x.shape
    x = model.patch_embed.proj(x).flatten(2).transpose(1, 2)  # the original's PatchEmbed
    p = model.patch_embed.patch_size[0]
    pos_embed = original_selfattention_pos_embed(model, w // p, h // p)

    cls_tokens = model.cls_token.expand(B, -1, -1)
    if model.pos_embed.shape[1] == 198:
        dist_token = model.dist_token.expand(B, -1, -1)
        x = torch.cat((cls_tokens, dist_token, x), dim=1)
    else:
        x = torch.cat((cls_tokens, x), dim=1)
    x = x + pos_embed
    x = model.pos_drop(x)

    for i, blk in enumerate(model.blocks):
        if i < len(model.blocks) - 1:
            x = blk(x)
        else:  # the original's Block(return_attention=True) -> Attention.forward's softmaxed matrix
            a = blk.attn
            y = blk.norm1(x)
            B_, N_, C = y.shape
            qkv = a.qkv(y).reshape(B_, N_, 3, a.num_heads, C // a.num_heads).permute(2, 0, 3, 1, 4)
            q, k = qkv[0], qkv[1]
            attn = (q @ k.transpose(-2, -1)) * a.scale
            return attn.softmax(dim=-1)


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
