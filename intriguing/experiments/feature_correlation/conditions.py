"""The feature-correlation sweep's condition: the PatchDrop images compared with the clean ones, and the point and
feature compared."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition, Grid


@dataclass(frozen=True)
class Correlation(Condition):
    """A record's ``condition, grid, ratio, run, block, depth, layer, feature``: random PatchDrop (occlusion's
    masks) at ``ratio`` on ``grid``, compared at point ``block`` (``layer``, normalised ``depth``)."""

    grid: Grid
    ratio: float
    run: int
    block: int
    depth: float
    layer: str
    feature: str  # cls, patch_mean or pooled
    condition: str = "random"
