"""The transfer analysis's engine conditions: a block read by the model's own head (``--mode per-block`` on
ImageNet), and a feature extraction (no records)."""

from __future__ import annotations

from dataclasses import dataclass, field

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class OwnHead(Condition):
    """A record's ``dataset, mode, measure, features, block, run``: block ``block``'s class token through the
    model's own final norm and head."""

    dataset: str
    block: int
    mode: str = "per-block"
    measure: str = "own head"
    run: int = 0
    features: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", f"block {self.block}")


@dataclass(frozen=True)
class Extraction(Condition):
    """One (dataset, split, view) source's features: ``extract``, a column no transfer record has, so a finished
    extraction is never taken for a recorded result."""

    extract: str
