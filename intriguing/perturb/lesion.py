"""Feature-drop lesion (Naseer et al. 2021, Sec. 3.1): drop a fraction of a network's intermediate features.

Pure tensor functions; the ``intriguing lesion`` command applies them inside forward hooks.

* ViTs: patch tokens entering a block are removed (``remove``) or set to zero (``zero``); prefix tokens
  (class / distillation / register) are always kept. :func:`lesion_tokens`.
* TNT (timm): a dropped patch loses its outer (patch) token as above and its inner pixel tokens too
  (:func:`lesion_pixel_groups`), since each TNT block adds the pixel tokens' projection back onto their patch token.
* CNNs: spatial positions of a feature map are zeroed in every channel. :func:`zero_positions`.

Masks are boolean with True = dropped. The default masks drop exactly ``round(f * N)`` features per image
(:func:`intriguing.perturb.per_image_drop_mask`); the original code's rules, one draw per batch, are
:func:`paper_token_mask` (DeiT: ``int(f * tokens)`` rows chosen without replacement, class token included in
the count) and :func:`paper_position_mask` (ResNet: each position dropped when ``rand <= f``).
"""

from __future__ import annotations

import numpy as np
import torch

from intriguing.perturb.occlusion import drop_tokens

MODES = ("remove", "zero")


def lesion_tokens(
    tokens: torch.Tensor, mask: torch.Tensor, num_prefix_tokens: int, mode: str = "remove"
) -> torch.Tensor:
    """(B, P + N, D) tokens with the patch tokens where ``mask`` (B, N) is True removed or zeroed.

    ``remove`` needs the same count dropped in every image; ``zero`` keeps the sequence length."""
    b, n = tokens.shape[0], tokens.shape[1] - num_prefix_tokens
    mask = mask.reshape(b, -1).to(tokens.device)
    if mask.shape[1] != n:
        raise ValueError(f"lesion mask covers {mask.shape[1]} patch tokens, the sequence has {n}")
    if mode == "remove":
        return drop_tokens(tokens, mask, num_prefix_tokens)
    if mode == "zero":
        keep = torch.cat([torch.ones(b, num_prefix_tokens, dtype=torch.bool, device=tokens.device), ~mask], dim=1)
        return tokens * keep.unsqueeze(-1).to(tokens.dtype)
    raise ValueError(f"lesion mode must be one of {MODES}, got {mode!r}")


def lesion_pixel_groups(pixels: torch.Tensor, mask: torch.Tensor, mode: str = "remove") -> torch.Tensor:
    """TNT's inner tokens (B * N, P, C), one group of P pixel tokens per patch, with the groups of the patches where
    ``mask`` (B, N) is True removed (-> (B * (N - k), P, C), the same k in every image) or zeroed."""
    b, n = mask.shape[0], mask.reshape(mask.shape[0], -1).shape[1]
    mask = mask.reshape(b, n).to(pixels.device)
    if pixels.shape[0] != b * n:
        raise ValueError(f"lesion mask covers {b} x {n} patches, the pixel tokens have {pixels.shape[0]} groups")
    groups = pixels.reshape(b, n, *pixels.shape[1:])
    if mode == "remove":
        kept = (~mask).sum(1)
        if not bool((kept == kept[0]).all()):
            raise ValueError("removing patches needs the same number dropped in every image")
        return groups[~mask].reshape(b * int(kept[0]), *pixels.shape[1:])
    if mode == "zero":
        return (groups * (~mask).reshape(b, n, 1, 1).to(pixels.dtype)).reshape(pixels.shape)
    raise ValueError(f"lesion mode must be one of {MODES}, got {mode!r}")


def zero_positions(fmap: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) feature map with every channel of the positions where ``mask`` (B or 1, H, W) is True zeroed."""
    keep = ~mask.to(fmap.device).reshape(-1, 1, *fmap.shape[-2:])
    return fmap * keep.to(fmap.dtype)


def paper_token_count(num_tokens: int, fraction: float) -> int:
    """The original's count ``int(drop_rate * x.shape[1])``: the class token is counted, never dropped (at most
    every patch token: the original raised at fraction 1)."""
    return min(int(fraction * num_tokens), num_tokens - 1)


def paper_token_mask(batch: int, num_patches: int, num_prefix_tokens: int, fraction: float, seed: int) -> torch.Tensor:
    """(B, N) bool: the original DeiT rule, one set of rows for the whole batch, drawn as
    ``np.random.choice(range(N), size=int(f * (P + N)), replace=False)`` from a RandomState seeded ``seed`` mod
    2**32 (numpy's legacy seeds are 32-bit; the original drew from the unseeded global RandomState)."""
    k = paper_token_count(num_patches + num_prefix_tokens, fraction)
    rows = np.random.RandomState(seed % 2**32).choice(range(num_patches), size=k, replace=False)
    mask = torch.zeros(num_patches, dtype=torch.bool)
    mask[torch.from_numpy(np.asarray(rows, dtype=np.int64))] = True
    return mask.expand(batch, num_patches)


def paper_position_mask(shape: tuple[int, int], fraction: float, generator: torch.Generator) -> torch.Tensor:
    """(1, H, W) bool: the original ResNet rule ``keep = torch.rand(H, W) > f`` (one mask per batch; the count
    dropped varies, about ``f * H * W``)."""
    return ~(torch.rand(shape, generator=generator) > fraction).unsqueeze(0)
