"""The frequency-noise sweep's condition: clean, or band-limited noise at one frequency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.engine.conditions import Condition, blank


@dataclass(frozen=True)
class Band(Condition):
    """A record's ``condition, freq, run, eps, space``: ``clean`` (no frequency, eps 0) or ``band_noise``."""

    condition: str
    run: int
    eps: float
    space: str  # pixel or normalized
    freq: Optional[float] = blank()  # units of pi; None (written empty): the clean images
