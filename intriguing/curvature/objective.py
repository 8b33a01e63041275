"""The objective whose landscape and Hessian are measured: NLL over a fixed set of batches + an L2 term.

``l2="squared"`` (default): (wd / 2) * ||theta||^2, the term whose gradient is the weight decay wd * theta
that SGD applies; its Hessian is wd * I. ``l2="paper"``: Park & Kim's notebook, wd * sum_p ||p||_2 (a sum
of per-tensor norms, not squared; ``ops/norm.l2``). Both sums run over every parameter.

The network's forward runs with SDPA's math kernel because the fused attention kernels (flash /
memory-efficient, CPU and CUDA) have no double backward, which Hessian-vector products need.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

Forward = Callable[[torch.Tensor], torch.Tensor]
Batches = Sequence[tuple[torch.Tensor, torch.Tensor]]


def at_least_fp32(logits: torch.Tensor) -> torch.Tensor:
    """Logits in fp32 for the loss (a half-precision model's would round it), but never below their own
    precision: a float64 model keeps float64, so its curvature is exact to float64 rounding."""
    return logits if logits.dtype == torch.float64 else logits.float()


def math_attention() -> contextlib.AbstractContextManager:
    """Force the math SDPA kernel (twice-differentiable) for the duration of the block."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.MATH])


def l2_term(params: Sequence[torch.Tensor], weight_decay: float, kind: str = "squared") -> torch.Tensor:
    """The regulariser added to the NLL (a 0-dim tensor, differentiable in ``params``)."""
    if kind == "squared":
        return 0.5 * weight_decay * sum(p.pow(2).sum() for p in params)
    if kind == "paper":
        return weight_decay * sum(p.norm() for p in params)
    raise ValueError(f"unknown L2 kind {kind!r}")


def l2_norms(params: Sequence[torch.Tensor]) -> tuple[float, float]:
    """(||theta||_2 over all parameters, sum_p ||p||_2): the raw quantities behind both L2 kinds."""
    sq = [float(p.detach().double().pow(2).sum()) for p in params]
    return sum(sq) ** 0.5, sum(s**0.5 for s in sq)


@torch.no_grad()
def evaluate_nll(forward: Forward, batches: Batches) -> tuple[float, float, int]:
    """(mean NLL, top-1 accuracy in %, images) of ``forward`` over ``batches`` in fp32."""
    total, correct, n = 0.0, 0, 0
    with math_attention():
        for x, y in batches:
            logits = at_least_fp32(forward(x))
            total += float(F.cross_entropy(logits, y, reduction="sum"))
            correct += int((logits.argmax(1) == y).sum())
            n += int(y.numel())
    return total / n, 100.0 * correct / n, n


def batch_loss(forward: Forward, batches: Batches, i: int) -> torch.Tensor:
    """Batch ``i``'s share of the mean NLL over all batches (its sum / all images), with autograd."""
    n = sum(int(y.numel()) for _, y in batches)
    x, y = batches[i]
    return F.cross_entropy(at_least_fp32(forward(x)), y, reduction="sum") / n


def flat(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in tensors])


def unflat(v: torch.Tensor, like: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    out, i = [], 0
    for t in like:
        out.append(v[i : i + t.numel()].view_as(t))
        i += t.numel()
    return out
