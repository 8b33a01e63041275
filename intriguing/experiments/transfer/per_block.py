"""Per-block classification: the model's own final norm + head applied to every block's tokens, one pass.

This is the paper's per-block class-token study: how discriminative is the class token after block
b, read by the classifier trained for the last block? For a timm ViT, ``forward_intermediates(norm=True)``
applies the final norm to each chosen block's output; ``forward_head`` then pools exactly as the model
does (the CLS token for ``global_pool='token'``; DeiT-distilled averages its two heads) and applies
fc_norm + head. For the last block this equals ``model(x)``.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from intriguing.errors import UserError
from intriguing.experiments.transfer.features import is_vit


@torch.inference_mode()
def per_block_logits(model: nn.Module, x: torch.Tensor, blocks: Sequence[int]) -> torch.Tensor:
    """[n_blocks, B, num_classes]: logits of the model's head read from each of ``blocks``."""
    if not is_vit(model):
        raise UserError(f"Per-block accuracy needs a ViT with token blocks; {type(model).__name__} has none.")
    if getattr(model, "num_classes", 0) <= 0:
        raise UserError("Per-block accuracy needs the model's classifier head; this model has none.")
    outs = model.forward_intermediates(x, indices=list(blocks), norm=True, return_prefix_tokens=True,
                                       intermediates_only=True, output_fmt="NLC", stop_early=True)
    logits = []
    for out in outs:
        tokens = torch.cat([out[1], out[0]], dim=1) if isinstance(out, tuple) else out  # prefix first, as inside
        logits.append(model.forward_head(tokens))
    return torch.stack(logits)


class PerBlockTopK:
    """Running top-1 / top-5 counts per block, fed one batch of logits at a time."""

    def __init__(self, blocks: Sequence[int], ks: Sequence[int] = (1, 5)) -> None:
        self.blocks = tuple(blocks)
        self.ks = tuple(ks)
        self.correct = torch.zeros(len(self.blocks), len(self.ks), dtype=torch.long)
        self.count = 0

    def update(self, logits: torch.Tensor, targets: torch.Tensor) -> None:
        """logits [n_blocks, B, C], targets [B]; targets < 0 (classes outside the head) count as wrong."""
        targets = targets.to(logits.device)
        kmax = min(max(self.ks), logits.shape[-1])
        top = logits.topk(kmax, dim=-1).indices  # [nb, B, kmax]
        hit = top == targets.view(1, -1, 1)
        for j, k in enumerate(self.ks):
            self.correct[:, j] += hit[..., :k].any(-1).sum(1).cpu()
        self.count += int(targets.numel())

    def records(self) -> list[dict]:
        """One record per block: block (0-based), n, and top<k> accuracy in percent."""
        rows = []
        for i, b in enumerate(self.blocks):
            row = {"block": b, "n": self.count}
            for j, k in enumerate(self.ks):
                row[f"top{k}"] = 100.0 * float(self.correct[i, j]) / max(1, self.count)
            rows.append(row)
        return rows
