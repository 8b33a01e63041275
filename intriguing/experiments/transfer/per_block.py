"""Per-block classification counts: the paper's per-block class-token study (how discriminative is the class token
after block b, read by the classifier trained for the last block?). The logits come from
:func:`intriguing.features.heads.per_block_logits`; this module counts them.
"""
from __future__ import annotations

from typing import Sequence

import torch


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
