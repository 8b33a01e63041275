"""The Experiment class of ``intriguing adversarial`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.adversarial.config import Config
from intriguing.experiments.adversarial.report import report as report_records
from intriguing.experiments.adversarial.schema import SCHEMA
from intriguing.experiments.adversarial.sweep import run as run_sweep
from intriguing.experiments.base import Experiment


class AdversarialExperiment(Experiment[Config]):
    name = "adversarial"
    Config = Config
    schema = SCHEMA

    def out_name(self) -> str:
        return "adversarial-transfer" if self.config.transfer else "adversarial"

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
