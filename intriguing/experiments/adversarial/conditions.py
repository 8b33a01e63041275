"""The adversarial sweep's condition: the attack, its norm and budget (and, with --transfer, the source model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.engine.conditions import Condition, optional


@dataclass(frozen=True)
class Attack(Condition):
    """A record's ``attack, norm, eps, eps_px, steps, run[, source, view]``: eps in the CLI's units (1/255 for
    L-inf), eps_px in [0, 1] pixels; ``source`` / ``view`` only with --transfer (the model the images were
    crafted on, and how the target sees them)."""

    attack: str
    norm: str
    eps: float
    eps_px: float
    steps: int
    run: int
    source: Optional[str] = optional()
    view: Optional[str] = optional()
