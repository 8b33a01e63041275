"""Options of ``intriguing shuffle``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.options import option
from intriguing.perturb import parse_grid

PAPER_GRIDS = ("1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "14x14", "16x16")


@dataclass
class Config:
    grids: tuple[str, ...] = option(PAPER_GRIDS, "HxW grids; 1x1 = no shuffle")
    perm_per_batch: bool = option(False, "one permutation for the whole batch (the original's quirk)")
    # filled from the common options
    runs: int = 1
    seed: int = 0
    paper_compat: bool = False

    def __post_init__(self) -> None:
        self.grids = tuple("{}x{}".format(*parse_grid(g)) for g in self.grids)
        if self.paper_compat:
            self.perm_per_batch = True
