"""The Experiment class of ``intriguing patch`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.patch.config import Config
from intriguing.experiments.patch.report import report as report_records
from intriguing.experiments.patch.schema import SCHEMA
from intriguing.experiments.patch.sweep import run as run_sweep


class PatchExperiment(Experiment[Config]):
    name = "patch"
    Config = Config
    schema = SCHEMA

    @classmethod
    def parser_defaults(cls) -> dict[str, Any]:
        return {"runs": 5}  # the 5 seeded locations per image

    def out_name(self) -> str:
        return "patch-transfer" if self.config.transfer else "patch"

    def manifest_extras(self) -> dict[str, Any]:
        return {"train_path": self.config.train_path, "load_patches": self.config.load_patches}

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
