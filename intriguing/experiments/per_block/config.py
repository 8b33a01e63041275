"""Options of ``intriguing per-block`` (per-block accuracy under occlusion): the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.options import check_declared, option
from intriguing.perturb import parse_grid

DEFAULT_RATIOS = (0.25, 0.5, 0.75)
DEFAULT_GRIDS = ("2x2", "4x4", "8x8")


@dataclass
class Config:
    ratios: tuple[float, ...] = option(
        DEFAULT_RATIOS,
        "random PatchDrop ratios (on the model's patch grid, black pixels; the clean image is always included)",
        within="(0, 1]",
    )
    grids: tuple[str, ...] = option(DEFAULT_GRIDS, "patch-shuffle grids HxW (each image its own permutation)")
    no_shuffle: bool = option(False, "skip the shuffled conditions")
    # filled from the common options
    runs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        check_declared(self)
        self.grids = tuple("{}x{}".format(*parse_grid(g)) for g in self.grids)
