"""Hessian-vector products of a network's loss by double backpropagation (Pearlmutter's trick).

``H v = d/dtheta (grad L(theta) . v)``: one first-order backward with ``create_graph=True`` and one
more backward per product. With a single batch the first-order graph is built once and reused by
every product (as PyHessian does); over several batches it is rebuilt per batch so memory stays at
one batch. Under torchrun (``ctx``) the batches of each product are dealt out over the ranks and their
products added in batch order on every rank (:func:`.ranks.sum_in_order`): the same vector as one process.

Reverse-over-reverse is used rather than ``torch.func`` forward-over-reverse because every op timm models
use has a double backward, while forward-mode AD coverage is patchier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Optional

import torch

from intriguing.curvature.objective import Batches, Forward, batch_loss, flat, l2_term, math_attention, unflat
from intriguing.curvature.ranks import sum_in_order
from intriguing.distributed import Context


class LossHessian:
    """The Hessian of mean NLL over ``batches`` (+ an L2 term) w.r.t. ``params``, as a flat-vector operator.

    ``params`` must require grad. ``matvec(v)`` returns H v (same dtype/device as the parameters);
    ``products`` counts the products computed (per batch set, not per batch). With an active torchrun
    ``ctx`` every rank must call ``matvec`` alike (they exchange per-batch products); an exception of
    ``errors`` on one rank is raised on all of them as :class:`.ranks.RankFailed`. One batch cannot be
    split: every rank then computes the whole (identical) product.
    """

    def __init__(
        self,
        forward: Forward,
        params: Sequence[torch.Tensor],
        batches: Batches,
        weight_decay: float = 0.0,
        l2: str = "squared",
        ctx: Optional[Context] = None,
        errors: tuple = (),
    ) -> None:
        if not batches:
            raise ValueError("LossHessian needs at least one batch")
        self.forward, self.params, self.batches = forward, list(params), list(batches)
        self.weight_decay, self.l2 = weight_decay, l2
        self.ctx, self.errors = ctx or Context(), errors
        self.n = sum(p.numel() for p in self.params)
        self.products = 0
        self._grads: Optional[list[torch.Tensor]] = None
        if len(self.batches) == 1:
            self._grads = self._gradients(0)

    @property
    def device(self) -> torch.device:
        return self.params[0].device

    @property
    def dtype(self) -> torch.dtype:
        return self.params[0].dtype

    def _gradients(self, i: int) -> list[torch.Tensor]:
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

        def product(i: int) -> torch.Tensor:  # batch i's share of H v (the L2 term rides on batch 0)
            return flat(torch.autograd.grad(self._gradients(i), self.params, grad_outputs=vs))

        like = torch.zeros(self.n, device=self.device, dtype=self.dtype)
        return sum_in_order(len(self.batches), product, like, self.errors, self.ctx)

    __call__: Callable[[torch.Tensor], torch.Tensor] = matvec

    def release(self) -> None:
        """Drop the cached graph (call before building the next operator on a large model)."""
        self._grads = None


def trainable(model: torch.nn.Module) -> list[torch.Tensor]:
    """Every parameter of ``model``, switched to requires_grad (the zoo loads them frozen)."""
    params = list(model.parameters())
    for p in params:
        p.requires_grad_(True)
    return params
