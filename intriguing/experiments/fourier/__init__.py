"""``intriguing fourier``: relative log amplitude and variance of feature maps per block (Park & Kim 2022).

Spectra need no labels, so a 1000-class model may run on any image folder (``uses_labels = False``); the
command takes no ``--runs`` or ``--metrics`` (nothing random, no predictions scored).
"""
from __future__ import annotations

from typing import Any, Dict, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.fourier.config import Config
from intriguing.options import COMMON_ALL


class FourierExperiment(Experiment[Config]):
    name = "fourier"
    summary = "Fourier analysis of feature maps: relative log amplitude and variance per block"
    Config = Config
    accepts = COMMON_ALL - {"runs", "metrics"}
    uses_labels = False

    @classmethod
    def parser_defaults(cls) -> Dict[str, Any]:
        return {"models": "vit_tiny_patch16_224,resnet50.tv_in1k"}  # Park & Kim's ViT-Ti vs ResNet-50

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.fourier.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.fourier.report import report
        return report(records, out_dir, plot)
