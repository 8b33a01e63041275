"""``intriguing hessian``: Hessian spectra of each model's loss (Park & Kim 2022, Fig. 1b and 4).

Top-k eigenvalues (Lanczos or power iteration), the dominant eigenvalue of every mini-batch of a fixed
seeded set (Park & Kim's max-eigenvalue spectrum), Hutchinson's trace and the SLQ eigenvalue density,
all from Hessian-vector products by double backpropagation, always in fp32.
"""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.hessian.config import Config


class HessianExperiment(Experiment[Config]):
    name = "hessian"
    summary = "Hessian spectra: top-k eigenvalues, max eigenvalue per mini-batch, trace, SLQ density (fp32)"
    Config = Config
    accepts = frozenset({"models", "data_path", "batch_size", "workers", "device", "seed", "out_dir",
                         "no_progress", "no_plot"})

    @classmethod
    def parser_defaults(cls):
        return {"models": "vit_tiny_patch16_224,resnet50.tv_in1k", "batch_size": 64}  # Park & Kim's ViT-Ti, ResNet-50

    def identity(self) -> List[str]:
        # measures / data may grow on a rerun: records are per measure and condition
        return [k for k in super().identity() if k not in ("measures", "data")] + ["batch_size"]

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.hessian.spectra import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.hessian.report import report
        return report(records, out_dir, plot)
