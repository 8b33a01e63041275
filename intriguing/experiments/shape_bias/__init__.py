"""``intriguing shape-bias``: texture-vs-shape cue conflict (Geirhos et al., ICLR 2019) and 16-class accuracy.

Every model's 1000 ImageNet probabilities are mapped to the 16 entry-level categories (mean probability of each
category's classes, the authors' rule: :mod:`.categories`). On cue-conflict stimuli (``<shape><i>-<texture><j>``
file names) it records shape bias = shape / (shape + texture) decisions over the stimuli whose cues differ; on
any other 16-category folder (filled silhouettes, edges) the 16-class accuracy. Records get per-category columns;
``per_category.csv`` and the per-category plot are drawn from them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.experiments.shape_bias.config import Config
from intriguing.options import COMMON_ALL


class ShapeBiasExperiment(Experiment[Config]):
    name = "shape-bias"
    summary = "shape bias on cue-conflict stimuli and 16-class accuracy (Geirhos et al. 2019, model-vs-human)"
    Config = Config
    # deterministic (--seed still seeds NAME=random weights): nothing to repeat, no original-code quirk
    accepts = COMMON_ALL - {"runs", "paper_compat"}
    # the experiment maps the 1000 ImageNet outputs to the 16 folder categories itself
    uses_labels = False

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        from intriguing.experiments.shape_bias.stimuli import load_stimuli
        if not self.common.data_path:
            raise UserError("Pass --data-path (or DATA_PATH) to a stimulus folder of 16 category sub-folders, e.g. "
                            "the cue-conflict set of github.com/rgeirhos/texture-vs-shape "
                            "(stimuli/style-transfer-preprocessed-512).")
        stimuli = load_stimuli(self.common.data_path, self.config.task, self.common.limit)
        return stimuli, {"root": stimuli.images.root, "images": len(stimuli.images), "task": stimuli.task,
                         "cue_conflict_images": stimuli.n_conflict, "classes": len(stimuli.images.classes),
                         "label_space": stimuli.images.label_space}

    def out_name(self) -> str:
        return f"shape-bias/{Path(self.common.data_path or 'stimuli').name}"

    def prepare_model(self, bundle: Any) -> Any:
        n = getattr(bundle.model, "num_classes", 1000)
        if n != 1000:
            raise UserError(f"{bundle.name} predicts {n} classes; the 16-category decision needs ImageNet-1k's 1000.")
        return bundle

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.shape_bias.sweep import run
        return run(bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.shape_bias.report import report
        return report(records, out_dir, plot)
