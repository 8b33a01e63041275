"""Options of ``intriguing lesion`` (feature-drop lesion): the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.errors import UserError
from intriguing.options import check_declared, option
from intriguing.perturb.lesion import MODES

PAPER_FRACTIONS = (0.25, 0.5, 0.75)
PAPER_BLOCKS = (0, 2, 4, 8, 10)  # the original's DeiT-T run: evaluate.py --lesion --block_index 0 2 4 8 10


@dataclass
class Config:
    fractions: tuple[float, ...] = option(
        PAPER_FRACTIONS,
        "fractions of patch tokens / feature-map positions dropped (0 = the clean forward)",
        within="[0, 1]",
    )
    blocks: tuple[int, ...] = option(
        PAPER_BLOCKS,
        "ViTs: 0-based blocks whose input tokens are dropped (blocks beyond a model's depth are skipped, with a note)",
        within="[0, inf)",
    )
    stages: tuple[int, ...] = option(
        (),
        "CNNs: 1-based stages (timm feature_info) whose output positions are "
        "zeroed; default every stage (a ResNet: 1..5, as the original)",
        within="[1, inf)",
    )
    lesion_mode: str = option(
        "remove", "ViTs: remove the dropped tokens or zero them (CNNs always zero)", choices=MODES
    )
    # filled from the common options
    runs: int = 1
    seed: int = 0
    paper_compat: bool = False

    def __post_init__(self) -> None:
        check_declared(self)
        if self.lesion_mode not in MODES:
            raise UserError(f"--lesion-mode must be one of {', '.join(MODES)}; got {self.lesion_mode!r}.")
        if self.paper_compat:  # the original zeroed tokens (deit.py: features[:, row, :] = 0.0)
            self.lesion_mode = "zero"
