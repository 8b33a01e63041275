"""Top-1 / top-5 accuracy in percent, the columns every classification record carries."""
from __future__ import annotations

from typing import Dict, Sequence

import torch

from intriguing.metrics.base import Metric


class TopK(Metric):
    """Counts correct predictions at each k; labels outside the logits' classes are never correct."""

    def __init__(self, ks: Sequence[int] = (1, 5)) -> None:
        self.ks = tuple(ks)
        self.n = 0
        self.correct = {k: 0 for k in self.ks}

    def update(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        kmax = min(max(self.ks), logits.shape[-1])
        pred = logits.float().topk(kmax, dim=-1).indices  # (B, kmax)
        hit = pred.eq(labels.view(-1, 1))
        for k in self.ks:
            self.correct[k] += int(hit[:, :k].any(dim=1).sum())
        self.n += int(labels.numel())

    def state_dict(self) -> dict:
        return {"n": self.n, "correct": {str(k): v for k, v in self.correct.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.n = int(state["n"])
        self.correct = {int(k): int(v) for k, v in state["correct"].items()}

    def result(self) -> Dict[str, float]:
        out: Dict[str, float] = {"n": self.n}
        for k in self.ks:
            out[f"top{k}"] = 100.0 * self.correct[k] / self.n if self.n else float("nan")
        return out
