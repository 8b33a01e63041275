"""Options of ``intriguing patch``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.errors import UserError
from intriguing.options import check_declared, option


@dataclass
class Config:
    train_path: Optional[str] = option(
        None, "folder of training images (class sub-folders) the patches are learned on; not needed with --load-patches"
    )
    areas: tuple[float, ...] = option(
        (0.05, 0.15, 0.25), "patch areas as fractions of the image (the paper's 5/15/25%)", within="(0, 1]"
    )
    steps: int = option(250, "optimisation steps per (model, area)", within="[1, inf)")
    train_batch: int = option(
        32, "training images per step (drawn with replacement, seeded per step)", within="[1, inf)"
    )
    lr: float = option(0.05, "Adam learning rate on the patch's [0, 1] pixels", within="(0, inf)")
    target_class: Optional[int] = option(
        None,
        "targeted patch: push every image to this class (default: untargeted, push away from the true class)",
        within="[0, inf)",
    )
    load_patches: Optional[str] = option(
        None, "a folder of saved patches (<model>__area<a>.pt) to evaluate instead of training"
    )
    transfer: bool = option(False, "evaluate every model's patch on every other model of --models too")
    samples: int = option(3, "sample images in the figure of each learned patch", within="[0, inf)")
    # filled from the common options
    runs: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        check_declared(self)
        if self.train_path is None and self.load_patches is None:
            raise UserError(
                "Pass --train-path (a folder of images to learn the patches on) or --load-patches (a "
                "folder of saved patches)."
            )
