"""The Experiment class of ``intriguing validate`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.data import imagenette_val
from intriguing.experiments.base import Experiment
from intriguing.experiments.validate.config import Config
from intriguing.experiments.validate.report import report as report_records
from intriguing.experiments.validate.schema import SCHEMA
from intriguing.experiments.validate.sets import load_sets
from intriguing.experiments.validate.sweep import run as run_sweep


class ValidateExperiment(Experiment[Config]):
    name = "validate"
    Config = Config
    schema = SCHEMA

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        specs = self.config.sets or (f"val={self.common.data_path or imagenette_val()}",)
        sets = load_sets(specs, self.common.limit)
        info: dict[str, Any] = {}
        for s in sets:
            entry = info.setdefault(
                s.name,
                {
                    "root": s.images.root if not s.subset else s.images.root.rsplit("/", 2)[0],
                    "kind": s.kind,
                    "images": 0,
                    "folders": 0,
                },
            )
            entry["images"] += len(s.images)
            entry["folders"] += 1
        return sets, {"sets": info}

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
