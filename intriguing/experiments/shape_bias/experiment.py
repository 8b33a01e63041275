"""The Experiment class of ``intriguing shape-bias`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.experiments.shape_bias.config import Config
from intriguing.experiments.shape_bias.report import report as report_records
from intriguing.experiments.shape_bias.schema import SCHEMA
from intriguing.experiments.shape_bias.stimuli import load_stimuli
from intriguing.experiments.shape_bias.sweep import run as run_sweep


class ShapeBiasExperiment(Experiment[Config]):
    name = "shape-bias"
    Config = Config
    schema = SCHEMA
    # the experiment maps the 1000 ImageNet outputs to the 16 folder categories itself
    uses_labels = False

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        if not self.common.data_path:
            raise UserError(
                "Pass --data-path (or DATA_PATH) to a stimulus folder of 16 category sub-folders, e.g. "
                "the cue-conflict set of github.com/rgeirhos/texture-vs-shape "
                "(stimuli/style-transfer-preprocessed-512)."
            )
        stimuli = load_stimuli(self.common.data_path, self.config.task, self.common.limit)
        return stimuli, {
            "root": stimuli.images.root,
            "images": len(stimuli.images),
            "task": stimuli.task,
            "cue_conflict_images": stimuli.n_conflict,
            "classes": len(stimuli.images.classes),
            "label_space": stimuli.images.label_space,
        }

    def out_name(self) -> str:
        return f"shape-bias/{Path(self.common.data_path or 'stimuli').name}"

    def prepare_model(self, bundle: Any) -> Any:
        n = getattr(bundle.model, "num_classes", 1000)
        if n != 1000:
            raise UserError(f"{bundle.name} predicts {n} classes; the 16-category decision needs ImageNet-1k's 1000.")
        return bundle

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
