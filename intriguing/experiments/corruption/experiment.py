"""The Experiment class of ``intriguing corruption`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any, Optional

from intriguing.corruptions.folders import check_cifar_c, detect_layout, imagenet_c_folders
from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.experiments.corruption.config import Config
from intriguing.experiments.corruption.report import report as report_records
from intriguing.experiments.corruption.schema import SCHEMA
from intriguing.experiments.corruption.sweep import run as run_sweep


class CorruptionExperiment(Experiment[Config]):
    name = "corruption"
    Config = Config
    schema = SCHEMA
    #: the largest label of a pre-rendered CIFAR-C set (checked against each model's classes)
    top_label: Optional[int] = None

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        """The clean folder, and a pre-rendered set checked before anything runs (layout, every requested file's
        shape and dtype, the labels)."""
        data = super().load_data()
        path = self.config.corrupted_path
        if path and detect_layout(path) == "cifar-c":
            labels = check_cifar_c(path, self.config.corruptions)
            self.top_label = int(labels.max()) if labels.size else None
        elif path:
            imagenet_c_folders(path, self.config.corruptions, self.config.severities)
        return data

    def prepare_model(self, bundle: Any) -> Any:
        """A CIFAR-C label the model cannot predict would score 0% without a word: that model is refused."""
        n = getattr(bundle.model, "num_classes", None)
        if self.top_label is not None and n is not None and self.top_label >= n:
            raise UserError(
                f"{self.config.corrupted_path}/labels.npy holds label {self.top_label}, outside "
                f"{bundle.name}'s {n} classes (0-{n - 1}); use the labels of the set the model was "
                f"trained on."
            )
        return bundle

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
