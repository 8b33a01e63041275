"""The model's own final norm + classifier head read from any block of a timm ViT (per-block accuracy).

Shared by the transfer analysis's per-block mode and the per-block-under-occlusion experiment. For a timm ViT,
``forward_intermediates(norm=True)`` applies the final norm to each chosen block's output; ``forward_head`` then
pools exactly as the model does (the CLS token for ``global_pool='token'``; DeiT-distilled averages its two heads)
and applies fc_norm + head. For the last block this equals ``model(x)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from intriguing.errors import UserError


def is_vit(model: nn.Module) -> bool:
    """True for timm token models whose blocks can be read with ``forward_intermediates``."""
    return all(hasattr(model, a) for a in ("forward_intermediates", "blocks", "num_prefix_tokens"))


@torch.inference_mode()
def per_block_logits(model: nn.Module, x: torch.Tensor, blocks: Sequence[int]) -> torch.Tensor:
    """[n_blocks, B, num_classes]: logits of the model's head read from each of ``blocks``."""
    if not is_vit(model):
        raise UserError(f"Per-block accuracy needs a ViT with token blocks; {type(model).__name__} has none.")
    if getattr(model, "num_classes", 0) <= 0:
        raise UserError("Per-block accuracy needs the model's classifier head; this model has none.")
    outs = model.forward_intermediates(
        x,
        indices=list(blocks),
        norm=True,
        return_prefix_tokens=True,
        intermediates_only=True,
        output_fmt="NLC",
        stop_early=True,
    )
    logits = []
    for out in outs:
        tokens = torch.cat([out[1], out[0]], dim=1) if isinstance(out, tuple) else out  # prefix first, as inside
        logits.append(model.forward_head(tokens))
    return torch.stack(logits)
