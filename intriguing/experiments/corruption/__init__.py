"""``intriguing corruption``: accuracy and mCE under ImageNet-C corruptions (on the fly or pre-rendered sets)."""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.corruption.config import Config


class CorruptionExperiment(Experiment[Config]):
    name = "corruption"
    summary = "ImageNet-C corruptions: accuracy and mCE, on the fly or from pre-rendered sets"
    Config = Config

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.corruption.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.corruption.report import report
        return report(records, out_dir, plot)
