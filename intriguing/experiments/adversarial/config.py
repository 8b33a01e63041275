"""Options of ``intriguing adversarial``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.errors import UserError
from intriguing.options import changed, check_declared, option

# attack name -> its norm; "autoattack" is L-inf, "autoattack-l2" L2
ATTACKS = {"fgsm": "linf", "pgd": "linf", "pgd-l2": "l2", "autoattack": "linf", "autoattack-l2": "l2"}
# L-inf budgets in 1/255 units: the common ImageNet L-inf budgets (RobustBench's ImageNet L-inf threat model is
# 4/255). The paper's exact values (Sec. 3.4, Figs. 12-13) could not be checked offline; --eps changes them.
DEFAULT_EPS = (0.0, 1.0, 2.0, 4.0, 8.0)
DEFAULT_EPS_L2 = (0.0, 0.5, 1.0, 2.0)  # L2 budgets in [0, 1]-pixel units (RobustBench ImageNet-L2 is not defined;
# 0.5-3.0 are the budgets of Madry et al.'s robustness library)


@dataclass
class Config:
    attacks: tuple[str, ...] = option(("fgsm", "pgd"), f"attacks: {', '.join(ATTACKS)}", choices=tuple(ATTACKS))
    eps: tuple[float, ...] = option(
        DEFAULT_EPS, "L-inf budgets in 1/255 units (the sweep; 0 = clean)", within="[0, inf)"
    )
    eps_l2: tuple[float, ...] = option(
        DEFAULT_EPS_L2, "L2 budgets in [0, 1]-pixel units (pgd-l2, autoattack-l2)", within="[0, inf)"
    )
    steps: int = option(10, "PGD iterations", within="[1, inf)")
    step_size: Optional[float] = option(
        None, "PGD step, as a fraction of eps (default 2.5 / steps, Madry et al.)", within="(0, inf)"
    )
    random_start: bool = option(True, "PGD starts at a per-image seeded random point in the eps-ball")
    transfer: bool = option(
        False,
        "also evaluate every model on the adversarial images crafted on every other "
        "model of --models (transfer matrix; the diagonal is white-box)",
    )
    autoattack_chunk: int = option(
        1,
        "AutoAttack attacks chunks of N consecutive images, each seeded by its "
        "chunk: 1 (default) makes every number independent of --batch-size and "
        "torchrun; larger N is faster on GPU but a chunk cut by a batch or rank "
        "boundary is attacked in pieces",
        within="[1, inf)",
    )
    pictures: int = option(
        4, "save the PGD perturbation of each model for the first N images (0: none)", within="[0, inf)"
    )
    # filled from the common options
    runs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        check_declared(self)
        unknown = [a for a in self.attacks if a not in ATTACKS]
        if unknown:
            raise UserError(f"Unknown attack {unknown[0]!r}; choose from {', '.join(ATTACKS)}.")
        # an option no chosen attack reads would be ignored silently: refused instead
        norms = {ATTACKS[a] for a in self.attacks}
        for flags, used, which in (
            (changed(self, "eps"), "linf" in norms, "an L-inf attack (fgsm, pgd, autoattack)"),
            (changed(self, "eps_l2"), "l2" in norms, "an L2 attack (pgd-l2, autoattack-l2)"),
            (
                changed(self, "steps", "step_size", "random_start"),
                any(a.startswith("pgd") for a in self.attacks),
                "pgd or pgd-l2",
            ),
            (changed(self, "autoattack_chunk"), any(a.startswith("autoattack") for a in self.attacks), "autoattack"),
        ):
            if flags and not used:
                raise UserError(
                    f"{', '.join(flags)} only applies to {which}, which --attacks "
                    f"{' '.join(self.attacks)} does not include; add one or leave the option out."
                )

    def step_fraction(self) -> float:
        """The PGD step as a fraction of eps."""
        return self.step_size if self.step_size is not None else 2.5 / self.steps
