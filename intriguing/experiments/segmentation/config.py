"""Options of ``intriguing segmentation``: the single home of their defaults (the checks its figures share are in
:mod:`intriguing.segmentation.masks`)."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.errors import UserError
from intriguing.options import check_declared, option
from intriguing.segmentation.jaccard import VOID_MODES
from intriguing.segmentation.masks import check_threshold_tokens


@dataclass
class Config:
    input_size: int = option(512, "images resized to N x N (the paper: 512)", within="[1, inf)")
    threshold: float = option(0.9, "attention mass kept per head (the paper: 0.9; DINO: 0.6)", within="(0, 1]")
    tokens: tuple[str, ...] = option(("cls", "dist"), "query tokens: cls dist (dist only on distilled models)")
    block: int = option(-1, "block whose attention is read (-1: last)")
    void: str = option("exclude", "void pixels: exclude, or count in the union (the original)", choices=VOID_MODES)
    image_set: str = option("val", "VOC ImageSets/Segmentation split")
    at_input_size: bool = False  # score on the resized target (the original) instead of the GT's own size
    imagenet_stats: bool = False  # normalise every model with ImageNet statistics (the original)
    # filled from the common options
    paper_compat: bool = False

    def __post_init__(self) -> None:
        check_declared(self)
        self.tokens = check_threshold_tokens(self.threshold, self.tokens)
        if self.void not in VOID_MODES:
            raise UserError(f"--void must be one of {', '.join(VOID_MODES)}.")
        if self.paper_compat:  # the original: last block, void in the union, resized target, ImageNet stats
            self.block, self.void, self.at_input_size, self.imagenet_stats = -1, "union", True, True
