"""``intriguing feature-correlation``: per block, the Pearson correlation between a model's features on the clean
and on the PatchDropped image (ViTs: class token and mean patch token; CNNs: globally pooled block output),
per image over feature dimensions, averaged over images; a table like the paper's and a plot vs depth.
"""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.feature_correlation.config import Config
from intriguing.options import COMMON_ALL


class FeatureCorrelationExperiment(Experiment[Config]):
    name = "feature-correlation"
    summary = "clean-vs-occluded feature correlation per block (class token, mean patch token, pooled maps)"
    Config = Config
    # features come from forward hooks; no original code to match; it measures features, not predictions, so
    # calibration metrics and per-image outcomes (which would hold the occluded prediction, not the correlation)
    # are refused rather than written
    accepts = COMMON_ALL - {"compile", "paper_compat", "metrics", "per_image"}

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.feature_correlation.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.feature_correlation.sweep import report
        return report(records, out_dir, plot)
