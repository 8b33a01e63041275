"""Attention rollout (Abnar & Zuidema, 2020): attention traced back through the residual stream of every block.

Built on :mod:`intriguing.features.attention`'s hooks (no ViT is forked); one ``[B, N, N]`` matrix is alive at a
time because the product is accumulated inside the hooks.
"""

from __future__ import annotations

import torch
from torch import nn

from intriguing.errors import UserError
from intriguing.features.attention import (
    any_input_size,
    capture_attention,
    check_fired,
    patch_grid,
    query_index,
    resolve_blocks,
    run_tokens,
)


def fuse_heads(probs: torch.Tensor, how: str = "mean") -> torch.Tensor:
    """Fuse the head axis (dim 1) of ``[B, heads, N, N]`` attention by mean, max or min."""
    if how == "mean":
        return probs.mean(1)
    if how == "max":
        return probs.amax(1)
    if how == "min":
        return probs.amin(1)
    raise UserError(f"Unknown head fusion {how!r}; use mean, max or min.")


def rollout_step(rollout: torch.Tensor | None, attn: torch.Tensor, discard_ratio: float = 0.0) -> torch.Tensor:
    """One step of attention rollout: ``R <- norm(0.5 A + 0.5 I) @ R`` for head-fused ``A [B, N, N]``.

    ``discard_ratio`` zeroes that fraction of the smallest entries of each row (never the diagonal
    or column 0) before adding the identity, as in common rollout implementations.
    """
    a = attn.float()
    if discard_ratio > 0:
        n = a.shape[-1]
        k = min(int(n * discard_ratio), n - 2)  # never more than the unprotected entries
        if k:
            protect = torch.zeros(n, n, dtype=torch.bool, device=a.device)
            protect[:, 0] = True
            protect.fill_diagonal_(True)
            low = a.masked_fill(protect, float("inf")).topk(k, dim=-1, largest=False).indices
            a = a.scatter(-1, low, 0.0)
    eye = torch.eye(a.shape[-1], device=a.device, dtype=a.dtype)
    a = 0.5 * a + 0.5 * eye
    a = a / a.sum(-1, keepdim=True)
    return a if rollout is None else a @ rollout


@torch.no_grad()
def attention_rollout(
    model: nn.Module,
    images: torch.Tensor,
    token: str = "cls",
    head_fusion: str = "mean",
    discard_ratio: float = 0.0,
    last_block: int = -1,
) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema, 2020) from the query token to the patches: ``[B, h, w]``.

    Accounts for residual connections by ``0.5 A + 0.5 I`` per block and multiplies blocks
    ``0..last_block`` in order. The rollout is accumulated inside the hooks, so only one
    ``[B, N, N]`` matrix is alive at a time.
    """
    if not 0.0 <= discard_ratio < 1.0:
        raise UserError(f"discard_ratio must be in [0, 1); got {discard_ratio}.")
    fuse_heads(torch.zeros(1, 1, 1, 1), head_fusion)  # validate the name before any work
    q = query_index(model, token)
    (last,) = resolve_blocks(model, last_block)
    idx = list(range(last + 1))
    h, w = patch_grid(model, images.shape[-2], images.shape[-1])
    state: dict[str, torch.Tensor | None] = {"R": None}

    def reduce(_b, probs):
        state["R"] = rollout_step(state["R"], fuse_heads(probs.float(), head_fusion), discard_ratio)
        return torch.empty(0)  # marker that the hook fired

    with any_input_size(model), capture_attention(model, idx, reduce) as store:
        run_tokens(model, images, last)
    check_fired(store, idx, model)
    rollout = state["R"]
    return rollout[:, q, model.num_prefix_tokens :].reshape(images.shape[0], h, w)
