"""The lesion sweep's condition: where features are dropped, how many, how, and the run."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class Lesion(Condition):
    """A record's ``unit, block, fraction, lesion_mode, run``: ``unit`` block (a ViT block K, its input tokens
    dropped) or stage (a CNN stage s, its output positions zeroed); ``block`` is K or s."""

    unit: str
    block: int
    fraction: float
    lesion_mode: str
    run: int
