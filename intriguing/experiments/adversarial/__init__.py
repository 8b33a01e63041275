"""``intriguing adversarial``: white-box robustness (FGSM, PGD L-inf / L2, AutoAttack) over an epsilon sweep,
the transfer matrix between models (``--transfer``) and pictures of each model's PGD perturbation."""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.adversarial.config import Config
from intriguing.experiments.base import Experiment
from intriguing.options import COMMON_ALL


class AdversarialExperiment(Experiment[Config]):
    name = "adversarial"
    summary = "FGSM / PGD / AutoAttack robustness vs. epsilon, transfer matrix between models, perturbation pictures"
    Config = Config
    # --paper-compat: the original never released attack code; --compile: graphs under autograd are not worth it
    accepts = COMMON_ALL - {"paper_compat", "compile"}

    def out_name(self) -> str:
        return "adversarial-transfer" if self.config.transfer else "adversarial"

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.adversarial.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.adversarial.report import report
        return report(records, out_dir, plot)
