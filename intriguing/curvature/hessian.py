"""Hessian-vector products of a network's loss by double backpropagation (Pearlmutter's trick).

``H v = d/dtheta (grad L(theta) . v)``: one first-order backward with ``create_graph=True`` and one
more backward per product. With a single batch the first-order graph is built once and reused by
every product (as PyHessian does); over several batches it is rebuilt per batch so memory stays at
one batch. Reverse-over-reverse is used rather than ``torch.func`` forward-over-reverse because
every op timm models use has a double backward, while forward-mode AD coverage is patchier.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence

import torch

from intriguing.curvature.objective import Batches, Forward, batch_loss, flat, l2_term, math_attention, unflat


class LossHessian:
    """The Hessian of mean NLL over ``batches`` (+ an L2 term) w.r.t. ``params``, as a flat-vector operator.

    ``params`` must require grad. ``matvec(v)`` returns H v (same dtype/device as the parameters);
    ``products`` counts the products computed (per batch set, not per batch).
    """

    def __init__(self, forward: Forward, params: Sequence[torch.Tensor], batches: Batches,
                 weight_decay: float = 0.0, l2: str = "squared") -> None:
        if not batches:
            raise ValueError("LossHessian needs at least one batch")
        self.forward, self.params, self.batches = forward, list(params), list(batches)
        self.weight_decay, self.l2 = weight_decay, l2
        self.n = sum(p.numel() for p in self.params)
        self.products = 0
        self._grads: Optional[List[torch.Tensor]] = None
        if len(self.batches) == 1:
            self._grads = self._gradients(0)

    @property
    def device(self) -> torch.device:
        return self.params[0].device

    @property
    def dtype(self) -> torch.dtype:
        return self.params[0].dtype

    def _gradients(self, i: int) -> List[torch.Tensor]:
        with math_attention():
            loss = batch_loss(self.forward, self.batches, i)
            if i == 0 and self.weight_decay:
                loss = loss + l2_term(self.params, self.weight_decay, self.l2)
            return list(torch.autograd.grad(loss, self.params, create_graph=True))

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        vs = unflat(v.to(device=self.device, dtype=self.dtype), self.params)
        self.products += 1
        if self._grads is not None:
            return flat(torch.autograd.grad(self._grads, self.params, grad_outputs=vs, retain_graph=True))
        out = torch.zeros(self.n, device=self.device, dtype=self.dtype)
        for i in range(len(self.batches)):
            g = self._gradients(i)
            out += flat(torch.autograd.grad(g, self.params, grad_outputs=vs))
        return out

    __call__: Callable[[torch.Tensor], torch.Tensor] = matvec

    def release(self) -> None:
        """Drop the cached graph (call before building the next operator on a large model)."""
        self._grads = None


def trainable(model: torch.nn.Module) -> List[torch.Tensor]:
    """Every parameter of ``model``, switched to requires_grad (the zoo loads them frozen)."""
    params = list(model.parameters())
    for p in params:
        p.requires_grad_(True)
    return params
