"""Options of ``intriguing feature-correlation``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.options import check_declared, option

DEFAULT_RATIOS = (0.25, 0.5, 0.75)


@dataclass
class Config:
    ratios: tuple[float, ...] = option(
        DEFAULT_RATIOS,
        "random PatchDrop ratios of the occluded image (0 = the clean image again: correlation 1)",
        within="[0, 1]",
    )
    # filled from the common options
    runs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        check_declared(self)
