"""The Experiment class of ``intriguing fourier`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.fourier.config import Config
from intriguing.experiments.fourier.report import report as report_records
from intriguing.experiments.fourier.schema import SCHEMA
from intriguing.experiments.fourier.sweep import run as run_sweep


class FourierExperiment(Experiment[Config]):
    name = "fourier"
    Config = Config
    schema = SCHEMA
    uses_labels = False

    @classmethod
    def parser_defaults(cls) -> dict[str, Any]:
        return {"models": "vit_tiny_patch16_224,resnet50.tv_in1k"}  # Park & Kim's ViT-Ti vs ResNet-50

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
