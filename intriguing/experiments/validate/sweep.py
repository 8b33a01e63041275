"""``intriguing validate`` through the engine: one pass per scored folder, every model, one condition
``{dataset, kind, subset}``; ImageNet-A / -R logits are restricted to their 200 classes before scoring."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch

from intriguing.engine import EngineOptions, Output, Sweep, run_sweep
from intriguing.errors import UserError
from intriguing.experiments.validate.conditions import ScoredSet
from intriguing.experiments.validate.sets import TestSet
from intriguing.zoo import ModelBundle


def restrict(logits: torch.Tensor, indices: Optional[Sequence[int]]) -> torch.Tensor:
    """The logits of the scored classes only (all 1000 when ``indices`` is None), in the subset's label order."""
    if indices is None:
        return logits
    return logits[:, torch.as_tensor(list(indices), device=logits.device)]


class ValidateSweep(Sweep[ScoredSet]):
    def __init__(self, test_set: TestSet) -> None:
        self.set = test_set

    def conditions(self, bundle: ModelBundle) -> list[ScoredSet]:
        return [ScoredSet(self.set.name, self.set.kind, self.set.subset)]

    def evaluate(self, bundle: ModelBundle, cond: ScoredSet, x01: torch.Tensor, batch) -> Output:
        logits = bundle(x01)
        if logits.shape[1] != 1000:
            raise UserError(f"{bundle.name} predicts {logits.shape[1]} classes; the test sets are ImageNet-1k.")
        return Output(restrict(logits, self.set.indices))


def run(bundles: Sequence[ModelBundle], sets: Sequence[TestSet], run_dir, opts: EngineOptions):
    """Each folder in turn (finished folders are skipped on a rerun); a model failing on one set fails."""
    records, failed = [], {}
    for s in sets:
        live = [b for b in bundles if b.label not in failed]
        if not live:
            break
        new, bad = run_sweep(ValidateSweep(s), live, s.images, run_dir, opts)
        records += new
        failed.update(bad)
    return records, failed
