"""The per-block sweep's condition: the image condition (clean, PatchDrop, shuffle) and the block read."""

from __future__ import annotations

from dataclasses import dataclass, replace

from intriguing.engine.conditions import Condition, Grid


@dataclass(frozen=True)
class BlockReadout(Condition):
    """A record's ``condition, ratio, grid, setting, run, block``: the images of one (condition, ratio, grid, run)
    (``setting`` names it in tables and plots), read at one block."""

    condition: str  # clean, random or shuffle
    ratio: float  # random: the fraction dropped (0 otherwise)
    grid: Grid  # random: the model's patch grid; shuffle: the shuffle grid; clean: 1x1
    setting: str
    run: int
    block: int = -1  # -1: the image condition itself (one forward serves every block)

    def images(self) -> BlockReadout:
        """The image condition without the block: what one forward pass serves."""
        return replace(self, block=-1)
