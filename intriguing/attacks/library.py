"""FGSM and AutoAttack from ``torchattacks`` (optional dependency: ``pip install intriguing[adversarial]``).

FGSM is deterministic, so the library's batch call is batch-size independent. AutoAttack (Croce & Hein 2020,
standard version: APGD-CE, APGD-T, FAB-T, Square) draws its random restarts and Square's queries from torch's
global generator; we seed it per batch from (seed, condition, first image index), so an AutoAttack number is
reproducible for a given batch size but can differ slightly with another one (stated in the README).
"""
from __future__ import annotations

import torch

from intriguing.attacks.grad import PixelModel
from intriguing.errors import UserError


def _torchattacks():
    try:
        import torchattacks
    except ImportError:
        raise UserError("FGSM / AutoAttack need torchattacks: pip install 'intriguing[adversarial]' "
                        "(or pip install torchattacks).") from None
    return torchattacks


def fgsm(bundle, x: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    """Single-step L-inf attack (Goodfellow et al. 2015): x + eps * sign(grad), clipped to [0, 1]."""
    if eps <= 0:
        return x.detach().clone()
    return _torchattacks().FGSM(PixelModel(bundle), eps=eps)(x, y).detach()


def autoattack(bundle, x: torch.Tensor, y: torch.Tensor, eps: float, norm: str, n_classes: int,
               seed: int) -> torch.Tensor:
    """AutoAttack, standard version, untargeted robust accuracy; ``norm`` 'linf' or 'l2'."""
    if eps <= 0:
        return x.detach().clone()
    ta = _torchattacks()
    attack = ta.AutoAttack(PixelModel(bundle), norm="Linf" if norm == "linf" else "L2", eps=eps,
                           version="standard", n_classes=n_classes, seed=seed % (2 ** 31))
    return attack(x, y).detach()
