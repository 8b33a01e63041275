"""The Experiment class of ``intriguing landscape`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.landscape.config import Config
from intriguing.experiments.landscape.grid import run as run_sweep
from intriguing.experiments.landscape.report import report as report_records
from intriguing.experiments.landscape.schema import SCHEMA


class LandscapeExperiment(Experiment[Config]):
    name = "landscape"
    Config = Config
    schema = SCHEMA

    @classmethod
    def parser_defaults(cls):
        return {"models": "vit_tiny_patch16_224,resnet50.tv_in1k", "batch_size": 128}  # Park & Kim's ViT-Ti, ResNet-50

    def identity(self) -> list[str]:
        # --data may grow on a rerun (records are per data condition); everything else shapes the grid
        return [k for k in super().identity() if k != "data"] + ["batch_size"]

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
