"""FGSM and AutoAttack from ``torchattacks`` (optional dependency: ``pip install intriguing[adversarial]``).

FGSM is deterministic, so the library's batch call is batch-size independent.

AutoAttack (Croce & Hein 2020, standard version) is assembled from torchattacks' components with the reference
implementation's settings (fra31/auto-attack ``set_version('standard')``): APGD-CE (100 iterations, 1 restart),
APGD-T and FAB-T (100 iterations, 9 target classes each) and Square (5,000 queries, p_init 0.8, no rescaled
schedule), each run only on the images still classified correctly. ``torchattacks.AutoAttack`` itself is not used:
it keeps its components' 10-iteration defaults and targets ``n_classes - 1`` classes (999 on ImageNet, ~100x the
reference's cost). Its components reseed torch's global generator and draw over the whole batch, so a batch's
result depends on its composition. :func:`autoattack` therefore attacks fixed chunks of consecutive image
indices (one image by default), each seeded by (seed, chunk), inside :func:`torch.random.fork_rng` (the caller's
global generator is left as it was): a number does not depend on ``--batch-size``, torchrun's split or the
out-of-memory halving unless a chunk larger than one image is cut by one of their boundaries.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from intriguing.attacks.grad import PixelModel
from intriguing.errors import UserError

# the reference implementation's standard version
AA_STEPS = 100
AA_TARGETS = 9
AA_QUERIES = 5000


def _torchattacks():
    try:
        import torchattacks
    except ImportError:
        raise UserError(
            "FGSM / AutoAttack need torchattacks: pip install 'intriguing[adversarial]' (or pip install torchattacks)."
        ) from None
    return torchattacks


def fgsm(bundle, x: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    """Single-step L-inf attack (Goodfellow et al. 2015): x + eps * sign(grad), clipped to [0, 1]."""
    if eps <= 0:
        return x.detach().clone()
    return _torchattacks().FGSM(PixelModel(bundle), eps=eps)(x, y).detach()


def standard_autoattack(model: torch.nn.Module, eps: float, norm: str, n_classes: int, seed: int):
    """The standard AutoAttack ensemble (APGD-CE, APGD-T, FAB-T, Square) on ``model`` ([0, 1] pixels in)."""
    ta = _torchattacks()
    n = "Linf" if norm == "linf" else "L2"
    # torchattacks targets n_classes - 1 classes: pass targets + 1 for the reference's 9 (fewer for small heads)
    k = min(AA_TARGETS, max(1, n_classes - 1)) + 1
    return ta.MultiAttack(
        [
            ta.APGD(model, norm=n, eps=eps, steps=AA_STEPS, n_restarts=1, seed=seed, loss="ce", rho=0.75),
            ta.APGDT(model, norm=n, eps=eps, steps=AA_STEPS, n_restarts=1, seed=seed, rho=0.75, n_classes=k),
            ta.FAB(model, norm=n, eps=eps, steps=AA_STEPS, n_restarts=1, seed=seed, multi_targeted=True, n_classes=k),
            ta.Square(
                model, norm=n, eps=eps, n_queries=AA_QUERIES, n_restarts=1, p_init=0.8, resc_schedule=False, seed=seed
            ),
        ]
    )


def autoattack(
    bundle,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    norm: str,
    n_classes: int,
    indices: torch.Tensor,
    chunk: int,
    seed_of: Callable[[int], int],
) -> torch.Tensor:
    """AutoAttack (standard), untargeted, ``norm`` 'linf' or 'l2'. Images are attacked in chunks of ``chunk``
    consecutive global ``indices`` (chunk ``c`` = index // chunk), each seeded by ``seed_of(c)``."""
    if eps <= 0:
        return x.detach().clone()
    model = PixelModel(bundle)
    groups = indices.to(torch.int64).cpu() // max(1, int(chunk))
    adv = x.detach().clone()
    devices = [x.device.index or 0] if x.device.type == "cuda" else []
    for g in torch.unique(groups).tolist():
        sel = (groups == g).nonzero().view(-1).to(x.device)
        seed = seed_of(int(g)) % (2**31)
        with torch.random.fork_rng(devices=devices):  # the components reseed the global generator
            adv[sel] = standard_autoattack(model, eps, norm, n_classes, seed)(x[sel], y[sel]).detach()
    return adv
