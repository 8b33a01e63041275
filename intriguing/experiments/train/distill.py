"""DeiT's distillation loss (Touvron et al. 2021), written here because timm ships the distilled model but not
the loss: the class head learns the labels, the distillation head the teacher (hard: its argmax; soft: KL at
temperature tau, scaled by tau^2), mixed by alpha."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def distillation_loss(
    base: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    outputs: tuple[torch.Tensor, ...],
    targets: torch.Tensor,
    teacher_logits: torch.Tensor,
    kind: str,
    alpha: float,
    tau: float,
) -> torch.Tensor:
    """(1 - alpha) * base(class logits, targets) + alpha * distillation(dist logits, teacher)."""
    cls, dist = outputs
    loss = base(cls, targets)
    if kind == "soft":
        kd = (
            F.kl_div(
                F.log_softmax(dist / tau, dim=1),
                F.log_softmax(teacher_logits / tau, dim=1),
                reduction="sum",
                log_target=True,
            )
            * (tau * tau)
            / dist.numel()
        )
    elif kind == "hard":
        kd = F.cross_entropy(dist, teacher_logits.argmax(dim=1))
    else:
        raise ValueError(f"unknown distillation {kind!r}")
    return loss * (1 - alpha) + kd * alpha
