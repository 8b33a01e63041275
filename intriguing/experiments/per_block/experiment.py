"""The Experiment class of ``intriguing per-block`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.per_block.config import Config
from intriguing.experiments.per_block.schema import SCHEMA
from intriguing.experiments.per_block.sweep import report as report_records
from intriguing.experiments.per_block.sweep import run as run_sweep


class PerBlockExperiment(Experiment[Config]):
    name = "per-block"
    Config = Config
    schema = SCHEMA

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
