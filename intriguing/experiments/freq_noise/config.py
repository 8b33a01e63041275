"""Options of ``intriguing freq-noise``: the single home of their defaults."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from intriguing.errors import UserError
from intriguing.options import option

SPACES = ("normalized", "pixel")


@dataclass
class Config:
    freqs: Tuple[float, ...] = option(tuple(round(0.1 * i, 1) for i in range(11)),
                                      "band centres, radial frequency in units of pi (1.0 = Nyquist)")
    width: float = option(0.2, "band width (units of pi)")
    eps: float = option(0.7, "noise RMS per image")
    noise_space: str = option("normalized", "add noise to normalised model input (the authors') or to [0,1] pixels "
                                            "(clipped)", choices=SPACES)
    # filled from the common options
    runs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.freqs or any(not 0.0 <= f <= 1.5 for f in self.freqs):
            raise UserError(f"--freqs must lie in [0, 1.5] (units of pi; corners reach 1.41), got {list(self.freqs)}.")
        if self.width <= 0 or self.eps < 0:
            raise UserError("--width must be positive and --eps non-negative.")
        if self.noise_space not in SPACES:
            raise UserError(f"--noise-space must be one of {', '.join(SPACES)}.")
