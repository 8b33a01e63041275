"""The Fourier sweep's condition: the clean images, nothing else (the rows name the block and frequency)."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class CleanImages(Condition):
    """No record column: each model's spectra are of its clean images; the rows carry block and frequency."""
