"""The segmentation sweep's condition: the token whose attention is thresholded (the rows name the image)."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class Token(Condition):
    """A record's ``token``: cls, or dist (the distillation token of a distilled DeiT)."""

    token: str
