"""The Experiment class of ``intriguing shuffle`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.experiments.shuffle.config import Config
from intriguing.experiments.shuffle.schema import SCHEMA
from intriguing.experiments.shuffle.sweep import report as report_records
from intriguing.experiments.shuffle.sweep import run as run_sweep
from intriguing.zoo.preprocessing import paper_preprocessing


class ShuffleExperiment(Experiment[Config]):
    name = "shuffle"
    Config = Config
    schema = SCHEMA

    def prepare_model(self, bundle: Any) -> Any:
        for grid in self.config.grids:
            (gh, gw), (h, w) = (int(v) for v in grid.split("x")), bundle.input_size
            if gh > h or gw > w:
                raise UserError(f"Shuffle grid {grid} has more cells than {bundle.name}'s {h}x{w} input has pixels.")
        return paper_preprocessing(bundle) if self.config.paper_compat else bundle  # the original's pipeline

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
