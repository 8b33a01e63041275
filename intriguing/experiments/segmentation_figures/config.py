"""Options of ``intriguing segmentation-figures`` (visualize_segmentation.py): the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.options import check_declared, option
from intriguing.segmentation.masks import check_threshold_tokens


@dataclass
class Config:
    input_size: int = option(512, "images resized to N x N (the original drew its figures at 512)", within="[1, inf)")
    threshold: float = option(0.9, "attention mass kept per head (DINO's figures: 0.6)", within="(0, 1]")
    tokens: tuple[str, ...] = option(("cls",), "query tokens: cls and/or dist (distilled models)")
    block: int = option(-1, "block whose attention is drawn (-1: last)")
    per_head: bool = option(True, "one PNG per head besides the mean map and the grid")
    dpi: int = option(100, "figure resolution", within="[1, inf)")
    # filled from the common options: the original fed un-normalised [0, 1] input
    paper_compat: bool = False

    def __post_init__(self) -> None:
        check_declared(self)
        self.tokens = check_threshold_tokens(self.threshold, self.tokens)

    @property
    def normalize_input(self) -> bool:
        return not self.paper_compat
