"""Where attacks get their gradients: outside the engine's inference mode, with autograd on and autocast off.

The engine evaluates under ``torch.inference_mode()`` (and bf16/fp16 autocast on GPU). An attack needs input
gradients, and in reduced precision they are coarse (bf16 keeps 8 bits of mantissa): a sign step can flip on
rounding noise and a normalised L2 step points the wrong way, which makes attacks look weaker than they are
(gradient masking by arithmetic). So :func:`attack_mode` turns inference mode off, enables autograd and disables
autocast locally; the attacked inputs are cloned so no inference tensor enters the graph.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn


@contextlib.contextmanager
def attack_mode(device: torch.device) -> Iterator[None]:
    """Gradients on, fp32: leaves the caller's inference mode / autocast untouched outside the block."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(torch.inference_mode(False))
        stack.enter_context(torch.enable_grad())
        if device.type in ("cuda", "cpu", "mps"):
            stack.enter_context(torch.autocast(device_type=device.type, enabled=False))
        yield


class PixelModel(nn.Module):
    """A bundle as an ``nn.Module`` taking [0, 1] pixels (the bundle normalises), for attack libraries."""

    def __init__(self, bundle) -> None:
        super().__init__()
        self.net = bundle.model  # registered, so libraries find its device and train/eval mode
        self.bundle = bundle
        # a new Module is in training mode, and torchattacks restores the wrapper's mode onto the model after an
        # attack: start in the model's own mode, or the model is left in training mode (dropout, batch statistics)
        self.train(bundle.model.training)

    def forward(self, x01: torch.Tensor) -> torch.Tensor:
        return self.bundle(x01)


def perturbation_norms(adv: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image (L-inf, L2) norms of ``adv - x`` in [0, 1] pixel units."""
    d = (adv.float() - x.float()).flatten(1)
    return d.abs().amax(1), d.norm(dim=1)
