"""The shuffle sweep's condition: the grid an image is cut into and rearranged, and the run."""

from __future__ import annotations

from dataclasses import dataclass, field

from intriguing.engine.conditions import Condition, Grid


@dataclass(frozen=True)
class Shuffle(Condition):
    """A record's ``condition, grid, cells, run``; ``1x1`` is the unshuffled image."""

    grid: Grid
    run: int
    condition: str = "shuffle"
    cells: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", self.grid.cells)
