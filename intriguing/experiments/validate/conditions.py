"""The validate sweep's condition: the test set scored (its name, kind and subset)."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class ScoredSet(Condition):
    """A record's ``dataset, kind, subset`` (subset: an ImageNet-C corruption/severity folder, else empty)."""

    dataset: str
    kind: str
    subset: str
