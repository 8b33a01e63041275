"""Options of ``intriguing fourier``: none of its own beyond the common ones (--limit sets how many images)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Config:
    paper_compat: bool = False  # filled from the common options: the notebook's half-diagonal
