"""``intriguing validate`` through the engine: one pass per scored folder, every model, one condition
``{dataset, kind, subset}``; ImageNet-A / -R logits are restricted to their 200 classes before scoring."""
from __future__ import annotations

from typing import Iterator, List, Optional, Sequence, Tuple

import torch

from intriguing.engine.core import EngineOptions, Sweep, run_sweep
from intriguing.errors import UserError
from intriguing.experiments.validate.sets import TestSet
from intriguing.zoo import ModelBundle


def restrict(logits: torch.Tensor, indices: Optional[Sequence[int]]) -> torch.Tensor:
    """The logits of the scored classes only (all 1000 when ``indices`` is None), in the subset's label order."""
    if indices is None:
        return logits
    return logits[:, torch.as_tensor(list(indices), device=logits.device)]


class ValidateSweep(Sweep):
    def __init__(self, test_set: TestSet) -> None:
        self.set = test_set
        self.cond = {"dataset": test_set.name, "kind": test_set.kind, "subset": test_set.subset}

    def conditions(self, bundle: ModelBundle) -> List[dict]:
        return [self.cond]

    def evaluate(self, bundle: ModelBundle, x01: torch.Tensor, batch) -> Iterator[Tuple[dict, torch.Tensor]]:
        logits = bundle(x01)
        if logits.shape[1] != 1000:
            raise UserError(f"{bundle.name} predicts {logits.shape[1]} classes; the test sets are ImageNet-1k.")
        yield self.cond, restrict(logits, self.set.indices)


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
