"""The corruption sweep's condition: clean, or one corruption at one severity."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.corruptions import CATEGORY
from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class Corrupted(Condition):
    """A record's ``corruption, category, severity, run``; ``clean`` is the uncorrupted images (severity 0)."""

    corruption: str
    category: str
    severity: int
    run: int

    @classmethod
    def of(cls, corruption: str, severity: int, run: int = 0) -> Corrupted:
        return cls(corruption, CATEGORY[corruption], severity, run)


CLEAN = Corrupted("clean", "clean", 0, 0)
