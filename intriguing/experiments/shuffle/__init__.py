"""``intriguing shuffle``: top-1 vs. the grid an image is cut into and randomly rearranged.

Each image gets its own permutation (the original used one per batch; ``--paper-compat`` or
``--perm-per-batch`` reproduces it). Grids are keyed ``HxW``; ``1x1`` is the unshuffled image.
"""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.shuffle.config import Config


class ShuffleExperiment(Experiment[Config]):
    name = "shuffle"
    summary = "patch shuffle: accuracy vs. the grid the image is cut into and permuted"
    Config = Config

    def prepare_model(self, bundle: Any) -> Any:
        from intriguing.zoo.preprocessing import paper_preprocessing
        for grid in self.config.grids:
            (gh, gw), (h, w) = (int(v) for v in grid.split("x")), bundle.input_size
            if gh > h or gw > w:
                from intriguing.errors import UserError
                raise UserError(f"Shuffle grid {grid} has more cells than {bundle.name}'s {h}x{w} input has pixels.")
        return paper_preprocessing(bundle) if self.config.paper_compat else bundle  # the original's pipeline

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.shuffle.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.shuffle.sweep import report
        return report(records, out_dir, plot)
