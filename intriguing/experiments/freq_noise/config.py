"""Options of ``intriguing freq-noise``: the single home of their defaults."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from intriguing.errors import UserError
from intriguing.options import option

SPACES = ("pixel", "normalized")
# noise RMS by space: 0.7 is the authors' value in ImageNet-normalised units; x std 0.226 it is ~0.16 in pixels
DEFAULT_EPS = {"pixel": 0.16, "normalized": 0.7}


@dataclass
class Config:
    freqs: Tuple[float, ...] = option(tuple(round(0.1 * i, 1) for i in range(11)),
                                      "band centres, radial frequency in units of pi (1.0 = Nyquist)")
    width: float = option(0.2, "band width (units of pi)")
    eps: Optional[float] = option(None, "noise RMS per image (default: 0.16 in pixel space, the authors' 0.7 in "
                                        "normalised space)")
    noise_space: str = option("pixel", "pixel: noise added to [0, 1] pixels (clipped), the same perturbation for "
                                       "every model; normalized: to each model's normalised input (the authors', "
                                       "set by --paper-compat)", choices=SPACES)
    # filled from the common options
    runs: int = 1
    seed: int = 0
    paper_compat: bool = False

    def __post_init__(self) -> None:
        if self.paper_compat:
            self.noise_space = "normalized"
        if self.eps is None:
            self.eps = DEFAULT_EPS.get(self.noise_space, 0.16)
        if not self.freqs or any(not 0.0 <= f <= 1.5 for f in self.freqs):
            raise UserError(f"--freqs must lie in [0, 1.5] (units of pi; corners reach 1.41), got {list(self.freqs)}.")
        if self.width <= 0 or self.eps < 0:
            raise UserError("--width must be positive and --eps non-negative.")
        if self.noise_space not in SPACES:
            raise UserError(f"--noise-space must be one of {', '.join(SPACES)}.")
