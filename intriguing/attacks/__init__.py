"""Adversarial attacks in [0, 1] pixel space through each model's own normalisation.

* :mod:`.grad`: the gradient context (inference mode off, autograd on, autocast off: fp32 gradients) and the
  ``nn.Module`` view of a :class:`~intriguing.zoo.ModelBundle` that attack libraries expect;
* :mod:`.pgd`: PGD (L-inf, L2) with per-image seeded random starts (written here: see its docstring for why);
* :mod:`.library`: FGSM and AutoAttack from ``torchattacks``;
* :mod:`.patch`: universal adversarial patches (size, random placement per image, pasting).
"""

from intriguing.attacks.grad import PixelModel, attack_mode, perturbation_norms
from intriguing.attacks.patch import paste_patch, patch_positions, patch_side
from intriguing.attacks.pgd import pgd, random_start

__all__ = [
    "PixelModel",
    "attack_mode",
    "perturbation_norms",
    "paste_patch",
    "patch_positions",
    "patch_side",
    "pgd",
    "random_start",
]
