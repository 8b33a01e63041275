"""``intriguing occlusion``: PatchDrop, top-1 vs. the fraction of image patches dropped.

Conditions: ``random`` (cells aligned with the model's patches), ``random-offset`` (grid shifted by half a
cell, as in the paper), ``salient`` / ``non-salient`` (cells a saliency ViT's attention ranks highest /
lowest). ``--drop-mode tokens`` removes the dropped patch tokens from ViTs instead of blacking pixels.
"""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.occlusion.config import Config


class OcclusionExperiment(Experiment[Config]):
    name = "occlusion"
    summary = "PatchDrop: accuracy vs. fraction of patches dropped (random, offset, salient, non-salient)"
    Config = Config

    def identity(self) -> List[str]:
        """--stack-conditions changes how many images share a forward pass, not what is measured."""
        return [k for k in super().identity() if k != "stack_conditions"]

    def prepare_model(self, bundle: Any) -> Any:
        from intriguing.perturb import model_grid
        from intriguing.zoo.preprocessing import paper_preprocessing
        if self.config.paper_compat:
            bundle = paper_preprocessing(bundle)
        model_grid(bundle, self.config.grid)  # a grid that does not fit this model fails this model only
        return bundle

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.occlusion.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.occlusion.sweep import report
        return report(records, out_dir, plot)
