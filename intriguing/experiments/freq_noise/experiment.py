"""The Experiment class of ``intriguing freq-noise`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.freq_noise.config import Config
from intriguing.experiments.freq_noise.schema import SCHEMA
from intriguing.experiments.freq_noise.sweep import report as report_records
from intriguing.experiments.freq_noise.sweep import run as run_sweep


class FreqNoiseExperiment(Experiment[Config]):
    name = "freq-noise"
    Config = Config
    schema = SCHEMA

    def out_name(self) -> str:
        return "freq_noise"

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
