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
    accepts = COMMON_ALL - {"compile", "paper_compat"}  # features come from forward hooks; no original code

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.feature_correlation.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.feature_correlation.sweep import report
        return report(records, out_dir, plot)
