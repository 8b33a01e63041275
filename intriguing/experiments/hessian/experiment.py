"""The Experiment class of ``intriguing hessian`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.hessian.config import Config
from intriguing.experiments.hessian.report import report as report_records
from intriguing.experiments.hessian.schema import SCHEMA
from intriguing.experiments.hessian.spectra import run as run_sweep


class HessianExperiment(Experiment[Config]):
    name = "hessian"
    Config = Config
    schema = SCHEMA

    @classmethod
    def parser_defaults(cls):
        return {"models": "vit_tiny_patch16_224,resnet50.tv_in1k", "batch_size": 64}  # Park & Kim's ViT-Ti, ResNet-50

    def identity(self) -> list[str]:
        # measures / data may grow on a rerun: records are per measure and condition
        return [k for k in super().identity() if k not in ("measures", "data")] + ["batch_size"]

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
