"""The patch sweep's condition: whose patch, how large, aimed at which class, and the run (the spots)."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class Patched(Condition):
    """A record's ``source, area, target_class, run``: the patch learned on model ``source`` covering ``area`` of
    the image (0: no patch, the clean reference), ``target_class`` -1 when untargeted."""

    source: str
    area: float
    target_class: int
    run: int
