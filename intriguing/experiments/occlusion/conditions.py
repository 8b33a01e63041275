"""The occlusion sweep's condition: which cells are dropped, on which grid, how, and how many."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.engine.conditions import Condition, Grid, internal, optional


@dataclass(frozen=True)
class Drop(Condition):
    """One PatchDrop condition: a record's ``condition, grid, drop_mode, ratio, dropped, run[, saliency]``."""

    condition: str  # random, random-offset, salient or non-salient
    grid: Grid  # the cells (salient / non-salient under --paper-compat: the saliency model's)
    drop_mode: str  # pixels or tokens
    ratio: float  # fraction of cells (salient / non-salient: the level)
    run: int
    dropped: Optional[float] = optional()  # fraction of cells dropped; None: it varies per image (measured)
    saliency: Optional[str] = optional()  # salient / non-salient: the saliency model and settings
    level: int = internal(-1)  # salient / non-salient: the level's index into the dropper's levels
    stack: int = internal(-1)  # --stack-conditions: the group sharing one forward pass (-1: none)
