"""``intriguing validate``: clean top-1 / top-5 (+ calibration) of several models on several ImageNet-style test
sets (ImageNet val, -A, -R, -Sketch, -V2, Stylized-ImageNet, ImageNet-C) in one command, one table."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from intriguing.experiments.base import Experiment
from intriguing.experiments.validate.config import Config
from intriguing.options import COMMON_ALL


class ValidateExperiment(Experiment[Config]):
    name = "validate"
    summary = "clean accuracy on distribution-shift test sets (ImageNet-A/-R/-Sketch/-V2/-C, Stylized) in one table"
    Config = Config
    accepts = COMMON_ALL - {"runs", "paper_compat"}

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        from intriguing.data import imagenette_val
        from intriguing.experiments.validate.sets import load_sets
        specs = self.config.sets or (f"val={self.common.data_path or imagenette_val()}",)
        sets = load_sets(specs, self.common.limit)
        info: Dict[str, Any] = {}
        for s in sets:
            entry = info.setdefault(s.name, {"root": s.images.root if not s.subset else
                                             s.images.root.rsplit("/", 2)[0], "kind": s.kind, "images": 0,
                                             "folders": 0})
            entry["images"] += len(s.images)
            entry["folders"] += 1
        return sets, {"sets": info}

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.validate.sweep import run
        return run(bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.validate.report import report
        return report(records, out_dir, plot)
