"""``intriguing freq-noise``: accuracy drop vs. the frequency of band-passed noise (Park & Kim 2022, Fig. 2c)."""
from __future__ import annotations

from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.freq_noise.config import Config


class FreqNoiseExperiment(Experiment[Config]):
    name = "freq-noise"
    summary = "frequency-band noise: accuracy drop vs. noise frequency"
    Config = Config

    def out_name(self) -> str:
        return "freq_noise"

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.freq_noise.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.freq_noise.sweep import report
        return report(records, out_dir, plot)
