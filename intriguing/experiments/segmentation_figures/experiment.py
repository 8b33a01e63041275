"""The Experiment class of ``intriguing segmentation-figures`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.segmentation_figures.config import Config
from intriguing.experiments.segmentation_figures.figures import image_source
from intriguing.experiments.segmentation_figures.figures import run as run_sweep
from intriguing.experiments.segmentation_figures.schema import SCHEMA
from intriguing.features.attention import require_attention
from intriguing.segmentation.voc import voc_root


class SegmentationFiguresExperiment(Experiment[Config]):
    name = "segmentation-figures"
    Config = Config
    schema = SCHEMA
    uses_labels = False

    @classmethod
    def parser_defaults(cls) -> dict[str, Any]:
        return {"models": "deit_small_patch16_224", "batch_size": 8, "limit": 8}

    def out_name(self) -> str:
        return "visualize_segmentation"

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        root = voc_root(self.common.data_path)
        images = image_source(root, self.config, self.common.limit)
        return images, {"root": root, "images": len(images)}

    def prepare_model(self, bundle: Any) -> Any:
        require_attention(bundle.model, bundle.name, self.name)  # a CNN fails alone, in one sentence
        return bundle

    def run(self, bundles, data, run_dir, opts):
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        n = sum(int(r["figures"]) for r in records)
        return f"wrote {n} figure(s) for {len(records)} (model, token, image) under {out_dir}"
