"""Options of ``intriguing adversarial``: the single home of their defaults."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from intriguing.errors import UserError
from intriguing.options import option

# attack name -> its norm; "autoattack" is L-inf, "autoattack-l2" L2
ATTACKS = {"fgsm": "linf", "pgd": "linf", "pgd-l2": "l2", "autoattack": "linf", "autoattack-l2": "l2"}
# L-inf budgets in 1/255 units: the common ImageNet L-inf budgets (RobustBench's ImageNet L-inf threat model is
# 4/255). The paper's exact values (Sec. 3.4, Figs. 12-13) could not be checked offline; --eps changes them.
DEFAULT_EPS = (0.0, 1.0, 2.0, 4.0, 8.0)
DEFAULT_EPS_L2 = (0.0, 0.5, 1.0, 2.0)  # L2 budgets in [0, 1]-pixel units (RobustBench ImageNet-L2 is not defined;
                                       # 0.5-3.0 are the budgets of Madry et al.'s robustness library)


@dataclass
class Config:
    attacks: Tuple[str, ...] = option(("fgsm", "pgd"), f"attacks: {', '.join(ATTACKS)}", choices=tuple(ATTACKS))
    eps: Tuple[float, ...] = option(DEFAULT_EPS, "L-inf budgets in 1/255 units (the sweep; 0 = clean)")
    eps_l2: Tuple[float, ...] = option(DEFAULT_EPS_L2, "L2 budgets in [0, 1]-pixel units (pgd-l2, autoattack-l2)")
    steps: int = option(10, "PGD iterations")
    step_size: Optional[float] = option(None, "PGD step, as a fraction of eps (default 2.5 / steps, Madry et al.)")
    random_start: bool = option(True, "PGD starts at a per-image seeded random point in the eps-ball")
    transfer: bool = option(False, "also evaluate every model on the adversarial images crafted on every other "
                                   "model of --models (transfer matrix; the diagonal is white-box)")
    autoattack_chunk: int = option(1, "AutoAttack attacks chunks of N consecutive images, each seeded by its "
                                      "chunk: 1 (default) makes every number independent of --batch-size and "
                                      "torchrun; larger N is faster on GPU but a chunk cut by a batch or rank "
                                      "boundary is attacked in pieces")
    pictures: int = option(4, "save the PGD perturbation of each model for the first N images (0: none)")
    # filled from the common options
    runs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [a for a in self.attacks if a not in ATTACKS]
        if unknown:
            raise UserError(f"Unknown attack {unknown[0]!r}; choose from {', '.join(ATTACKS)}.")
        bad = [e for e in tuple(self.eps) + tuple(self.eps_l2) if e < 0]
        if bad:
            raise UserError(f"Attack budgets must be >= 0; got {bad}.")
        if self.steps < 1:
            raise UserError(f"--steps must be at least 1; got {self.steps}.")
        if self.step_size is not None and self.step_size <= 0:
            raise UserError(f"--step-size must be positive; got {self.step_size}.")
        if self.autoattack_chunk < 1:
            raise UserError(f"--autoattack-chunk must be at least 1; got {self.autoattack_chunk}.")
        if self.pictures < 0:
            raise UserError(f"--pictures must be >= 0; got {self.pictures}.")

    def step_fraction(self) -> float:
        """The PGD step as a fraction of eps."""
        return self.step_size if self.step_size is not None else 2.5 / self.steps
