"""ImageNet-ReaL top-1 (``--metrics real``): the top-1 class scored against each val image's ReaL label set.

Columns: ``real_top1`` (percent of the scored images whose top-1 class is in their ReaL set), ``real_n`` (images
scored), ``real_no_label`` (val images ReaL marks as having no valid label: left out, as in Beyer et al. 2020) and
``real_not_val`` (images not scored: files that are not ImageNet val images, or a pass that is not 1000-way ImageNet,
such as validate's ImageNet-A). The original ``top1`` stays beside it, over every image. Each batch's top-1
classes are copied to the host with the images' indices; the label sets are looked up there, so nothing waits for
the device.
"""

from __future__ import annotations

from typing import Optional

import torch

from intriguing.annotations.real import RealLabels
from intriguing.errors import UserError
from intriguing.metrics.base import Metric

COLUMNS = ("real_top1", "real_n", "real_no_label", "real_not_val")


class RealTop1(Metric):
    """Counts top-1 hits in the ReaL label sets of one pass's images (``labels``, looked up by image index)."""

    def __init__(self, labels: RealLabels) -> None:
        self.labels = labels
        self.n = self.correct = self.no_label = self.not_val = 0

    def stats(
        self, logits: torch.Tensor, labels: torch.Tensor, indices: Optional[torch.Tensor] = None
    ) -> dict[str, torch.Tensor]:
        if indices is None:
            raise ValueError("ReaL top-1 looks each image up by its index; the indices are missing.")
        if logits.shape[-1] != 1000 and self.labels.scored:  # a pass that scores no image may be 200-way
            raise UserError(
                f"--metrics real scores 1000-way ImageNet predictions; this model predicts {logits.shape[-1]} classes."
            )
        # topk, not argmax: the same top-1 class as top1 and the per-image records' pred, ties included
        return {"pred": logits.float().topk(1, dim=-1).indices[:, 0], "image": indices}

    def add(self, stats: dict[str, torch.Tensor]) -> None:
        for i, pred in zip(stats["image"].tolist(), stats["pred"].tolist()):
            real = self.labels.sets[i]
            if real is None:
                self.not_val += 1
            elif not real:
                self.no_label += 1
            else:
                self.n += 1
                self.correct += pred in real

    def state_dict(self) -> dict:
        return {"n": self.n, "correct": self.correct, "no_label": self.no_label, "not_val": self.not_val}

    def load_state_dict(self, state: dict) -> None:
        for key in ("n", "correct", "no_label", "not_val"):
            setattr(self, key, int(state[key]))

    def result(self) -> dict[str, float]:
        return {
            "real_top1": 100.0 * self.correct / self.n if self.n else float("nan"),
            "real_n": self.n,
            "real_no_label": self.no_label,
            "real_not_val": self.not_val,
        }
