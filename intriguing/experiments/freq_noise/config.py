"""Options of ``intriguing freq-noise``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.errors import UserError
from intriguing.options import check_declared, option

SPACES = ("pixel", "normalized")
# noise RMS by space: 0.7 is the authors' value in ImageNet-normalised units; x std 0.226 it is ~0.16 in pixels
DEFAULT_EPS = {"pixel": 0.16, "normalized": 0.7}


@dataclass
class Config:
    freqs: tuple[float, ...] = option(
        tuple(round(0.1 * i, 1) for i in range(11)),
        "band centres, radial frequency in units of pi (1.0 = Nyquist; the corners reach 1.41)",
        within="[0, 1.5]",
    )
    width: float = option(0.2, "band width (units of pi)", within="(0, inf)")
    eps: Optional[float] = option(
        None,
        "noise RMS per image (default: 0.16 in pixel space, the authors' 0.7 in normalised space)",
        within="[0, inf)",
    )
    noise_space: str = option(
        "pixel",
        "pixel: noise added to [0, 1] pixels (clipped), the same perturbation for "
        "every model; normalized: to each model's normalised input (the authors', "
        "set by --paper-compat)",
        choices=SPACES,
    )
    # filled from the common options
    runs: int = 1
    seed: int = 0
    paper_compat: bool = False

    def __post_init__(self) -> None:
        check_declared(self)
        if self.paper_compat:
            self.noise_space = "normalized"
        if self.eps is None:
            self.eps = DEFAULT_EPS.get(self.noise_space, 0.16)
        if not self.freqs:
            raise UserError("--freqs needs at least one band centre.")
        if self.noise_space not in SPACES:
            raise UserError(f"--noise-space must be one of {', '.join(SPACES)}.")
