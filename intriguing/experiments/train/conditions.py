"""The training command's validation condition: the epoch, the head scored and which parameters."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class Validation(Condition):
    """A validation record's ``split, epoch, head, params`` (head: cls, dist or avg; params: model or ema)."""

    epoch: int
    head: str
    params: str
    split: str = "val"
