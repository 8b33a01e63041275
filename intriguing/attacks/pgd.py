"""Projected gradient descent (Madry et al. 2018), L-inf and L2, in [0, 1] pixel space.

Written here rather than taken from ``torchattacks.PGD`` / ``PGDL2`` because those draw the random start from
torch's global generator for the whole batch, so an image's result would depend on the batch size, its
neighbours and where a resumed run restarted. Here the start of each image is drawn from a counter-based stream
keyed by (seed, condition, image index) (:func:`intriguing.seeding.per_image_uniform`). The update, projection and
clipping follow ``torchattacks`` step for step (tests compare the two without random start); the loss is summed
over the batch (the sign / normalised step is per image, so the result does not depend on the batch size).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Optional

import torch
import torch.nn.functional as F

from intriguing.seeding import per_image_uniform

NORMS = ("linf", "l2")


def random_start(indices: torch.Tensor, shape: tuple, eps: float, norm: str, *parts: object) -> torch.Tensor:
    """(B, C, H, W) starting offsets: uniform in the L-inf ball, or (L2) a Gaussian direction at a radius uniform
    in [0, eps] (as torchattacks.PGDL2); image b's draw depends only on (parts, indices[b])."""
    b, n = len(indices), int(math.prod(shape[1:]))
    u = per_image_uniform(indices.cpu(), n + (n + 1 if norm == "l2" else 0), *parts, norm, eps)
    if norm == "linf":
        return ((2 * u - 1) * eps).float().view(b, *shape[1:])
    u1, u2, r = u[:, :n].clamp_min(1e-300), u[:, n : 2 * n], u[:, 2 * n :]
    g = torch.sqrt(-2 * torch.log(u1)) * torch.cos(2 * math.pi * u2)  # Box-Muller: a Gaussian direction
    g = g / g.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return (g * r * eps).float().view(b, *shape[1:])


def project(delta: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    if norm == "linf":
        return delta.clamp(-eps, eps)
    norms = delta.flatten(1).norm(dim=1).clamp_min(1e-12)
    return delta * torch.clamp(eps / norms, max=1.0).view(-1, 1, 1, 1)


def pgd(
    model: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    step: float,
    steps: int,
    norm: str = "linf",
    start: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Untargeted PGD: ``steps`` ascent steps of size ``step`` on the cross-entropy, projected onto the ``norm``
    ball of radius ``eps`` around ``x`` and onto [0, 1]. ``start``: an initial offset (see :func:`random_start`).
    Call inside :func:`intriguing.attacks.attack_mode`. eps 0 returns ``x`` unchanged."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}; got {norm!r}")
    x = x.detach().clone().float()
    if eps <= 0:
        return x
    adv = x if start is None else (x + project(start.to(x.device, x.dtype), eps, norm)).clamp(0, 1)
    for _ in range(steps):
        adv = adv.detach().requires_grad_(True)
        loss = F.cross_entropy(model(adv).float(), y, reduction="sum")
        (grad,) = torch.autograd.grad(loss, adv)
        if norm == "linf":
            adv = adv.detach() + step * grad.sign()
        else:
            g = grad / (grad.flatten(1).norm(dim=1).view(-1, 1, 1, 1) + 1e-10)
            adv = adv.detach() + step * g
        adv = (x + project(adv - x, eps, norm)).clamp(0, 1)
    return adv.detach()
