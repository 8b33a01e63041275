"""``intriguing per-block``: every block's class token read by the model's own final norm + head, on clean,
PatchDropped and shuffled images (the original's ``--cascade``). CNNs have no class token per block: they are
reported as not applicable, not as failures.
"""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.per_block.config import Config
from intriguing.options import COMMON_ALL


class PerBlockExperiment(Experiment[Config]):
    name = "per-block"
    summary = "per-block accuracy: each block's class token through the model's head, clean / dropped / shuffled"
    Config = Config
    accepts = COMMON_ALL - {"compile", "paper_compat"}  # the released original has no cascade code to match

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.per_block.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.per_block.sweep import report
        return report(records, out_dir, plot)
