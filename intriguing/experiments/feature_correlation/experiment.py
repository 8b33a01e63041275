"""The Experiment class of ``intriguing feature-correlation`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.feature_correlation.config import Config
from intriguing.experiments.feature_correlation.schema import SCHEMA
from intriguing.experiments.feature_correlation.sweep import report as report_records
from intriguing.experiments.feature_correlation.sweep import run as run_sweep


class FeatureCorrelationExperiment(Experiment[Config]):
    name = "feature-correlation"
    Config = Config
    schema = SCHEMA

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
