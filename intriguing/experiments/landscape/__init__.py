"""``intriguing landscape``: filter-normalised 1-D / 2-D loss landscapes (Li et al. 2018; Park & Kim 2022, Fig. 1a).

The loss (NLL + L2 term) is measured at every point of a grid theta + x*d1 (+ y*d2) around each model's
weights, on a fixed seeded set of augmented and/or clean batches decoded once. Records are appended per
grid point, so a rerun resumes where it stopped.
"""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.landscape.config import Config


class LandscapeExperiment(Experiment[Config]):
    name = "landscape"
    summary = "loss landscape (NLL + L2) on filter-normalised random directions, 1-D or 2-D"
    Config = Config
    accepts = frozenset({"models", "data_path", "batch_size", "workers", "device", "seed", "out_dir",
                         "paper_compat", "no_progress", "no_plot"})

    @classmethod
    def parser_defaults(cls):
        return {"models": "vit_tiny_patch16_224,resnet50.tv_in1k", "batch_size": 128}  # Park & Kim's ViT-Ti, ResNet-50

    def identity(self) -> List[str]:
        # --data may grow on a rerun (records are per data condition); everything else shapes the grid
        return [k for k in super().identity() if k != "data"] + ["batch_size"]

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.landscape.grid import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.landscape.report import report
        return report(records, out_dir, plot)
