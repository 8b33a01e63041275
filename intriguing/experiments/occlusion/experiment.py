"""The Experiment class of ``intriguing occlusion`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any, Optional

from intriguing.experiments.base import Experiment
from intriguing.experiments.occlusion.config import Config
from intriguing.experiments.occlusion.saliency_drop import load_saliency_bundle
from intriguing.experiments.occlusion.schema import SCHEMA
from intriguing.experiments.occlusion.sweep import report as report_records
from intriguing.experiments.occlusion.sweep import run as run_sweep
from intriguing.perturb import model_grid
from intriguing.zoo.preprocessing import paper_preprocessing


class OcclusionExperiment(Experiment[Config]):
    name = "occlusion"
    Config = Config
    schema = SCHEMA
    saliency: Optional[Any] = None  # the saliency ViT of salient / non-salient drop (prepare_run)

    def identity(self) -> list[str]:
        """--stack-conditions changes how many images share a forward pass, not what is measured."""
        return [k for k in super().identity() if k != "stack_conditions"]

    def prepare_run(self, data: Any, device: Any) -> None:
        if self.config.uses_saliency:  # a saliency model that is not a ViT is refused before any folder exists
            self.saliency = load_saliency_bundle(self.config.saliency, device)

    def prepare_model(self, bundle: Any) -> Any:
        if self.config.paper_compat:
            bundle = paper_preprocessing(bundle)
        model_grid(bundle, self.config.grid)  # a grid that does not fit this model fails this model only
        return bundle

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts, self.saliency)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
