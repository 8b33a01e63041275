"""Top-1 / top-5 accuracy in percent, the columns every classification record carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch

from intriguing.metrics.base import Metric


class TopK(Metric):
    """Counts correct predictions at each k; labels outside the logits' classes are never correct."""

    def __init__(self, ks: Sequence[int] = (1, 5)) -> None:
        self.ks = tuple(ks)
        self.n = 0
        self.correct = {k: 0 for k in self.ks}

    def stats(
        self, logits: torch.Tensor, labels: torch.Tensor, indices: Optional[torch.Tensor] = None
    ) -> dict[str, torch.Tensor]:
        kmax = min(max(self.ks), logits.shape[-1])
        pred = logits.float().topk(kmax, dim=-1).indices  # (B, kmax)
        hit = pred.eq(labels.to(pred.device).view(-1, 1))
        return {
            "n": torch.tensor(labels.numel()),  # known on the host: no copy
            "correct": torch.stack([hit[:, :k].any(dim=1).sum() for k in self.ks]),
        }

    def add(self, stats: dict[str, torch.Tensor]) -> None:
        for k, c in zip(self.ks, stats["correct"].tolist()):
            self.correct[k] += int(c)
        self.n += int(stats["n"])

    def state_dict(self) -> dict:
        return {"n": self.n, "correct": {str(k): v for k, v in self.correct.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.n = int(state["n"])
        self.correct = {int(k): int(v) for k, v in state["correct"].items()}

    def result(self) -> dict[str, float]:
        out: dict[str, float] = {"n": self.n}
        for k in self.ks:
            out[f"top{k}"] = 100.0 * self.correct[k] / self.n if self.n else float("nan")
        return out
