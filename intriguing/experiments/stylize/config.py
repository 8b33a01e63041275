"""Options of ``intriguing stylize``: Stylized-ImageNet as Geirhos et al.'s stylize-datasets made it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.errors import UserError
from intriguing.options import check_declared, option


@dataclass
class Config:
    style_path: Optional[str] = option(
        None, "folder of paintings (searched recursively; e.g. Kaggle's Painter by Numbers train set)"
    )
    target: Optional[str] = option(
        None, "where the stylized ImageNet-style folder is written (same class folders and file names as --data-path)"
    )
    vgg: Optional[str] = option(None, "AdaIN encoder weights (default: pretrained/vgg_normalised.pth)")
    decoder: Optional[str] = option(None, "AdaIN decoder weights (default: pretrained/decoder.pth)")
    alpha: float = option(1.0, "stylization strength (stylize-datasets: 1)", within="[0, 1]")
    content_size: int = option(
        0,
        "resize content so its shorter side is N and centre-crop N x N, which lets "
        "images batch (0: keep each image's size, one at a time, as stylize-datasets)",
        within="[0, inf)",
    )
    style_size: int = option(512, "resize each painting's shorter side to N (0: keep)", within="[0, inf)")
    # filled from the common options
    seed: int = 0

    def __post_init__(self) -> None:
        check_declared(self)
        if not self.style_path or not self.target:
            raise UserError("Pass --style-path (a folder of paintings) and --target (the output folder).")
