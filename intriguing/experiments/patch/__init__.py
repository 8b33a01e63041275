"""``intriguing patch``: universal adversarial patches (Brown et al. 2017; Naseer et al. 2021, Sec. 3.4).

One patch per (model, area) is learned on a training folder, pasted at a random place in every image, then
evaluated through the engine at ``--runs`` seeded places per image on the evaluation folder, on its own model and
(``--transfer``) on every other model. Patches are saved (PNG + tensor file with model, area, target, steps)."""
from __future__ import annotations

from typing import Any, Dict, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.patch.config import Config
from intriguing.options import COMMON_ALL


class PatchExperiment(Experiment[Config]):
    name = "patch"
    summary = "universal adversarial patches: learn one per model and area, fooling rate and transfer between models"
    Config = Config
    accepts = COMMON_ALL - {"paper_compat", "compile"}  # the original never released patch code

    @classmethod
    def parser_defaults(cls) -> Dict[str, Any]:
        return {"runs": 5}  # the 5 seeded locations per image

    def out_name(self) -> str:
        return "patch-transfer" if self.config.transfer else "patch"

    def manifest_extras(self) -> Dict[str, Any]:
        return {"train_path": self.config.train_path, "load_patches": self.config.load_patches}

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.patch.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.patch.report import report
        return report(records, out_dir, plot)
