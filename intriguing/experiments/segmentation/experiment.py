"""The Experiment class of ``intriguing segmentation`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.data import evenly_spaced
from intriguing.experiments.base import Experiment
from intriguing.experiments.segmentation.config import Config
from intriguing.experiments.segmentation.schema import SCHEMA
from intriguing.experiments.segmentation.sweep import report as report_records
from intriguing.experiments.segmentation.sweep import score_images
from intriguing.features.attention import require_attention
from intriguing.segmentation.voc import VOCSegmentationSet, voc_root

# The paper's Table (Jaccard on VOC12 val) plus DINO ViT-S/16; distilled models are scored with both
# their class and their shape token. Weights come through the model zoo like any other model.
PAPER_MODELS = (
    "deit_tiny_patch16_224=random",
    "deit_small_patch16_224=random",
    "deit_tiny_patch16_224",
    "deit_small_patch16_224",
    "deit_t_sin",
    "deit_s_sin",
    "deit_t_sin_dist",
    "deit_s_sin_dist",
    "vit_small_patch16_224.dino",
)
PRESETS = {"paper": ",".join(PAPER_MODELS)}


class SegmentationExperiment(Experiment[Config]):
    name = "segmentation"
    Config = Config
    schema = SCHEMA

    @classmethod
    def parser_defaults(cls) -> dict[str, Any]:
        return {"models": "deit_small_patch16_224", "batch_size": 16}

    def expand_models(self, models: str) -> str:
        """'paper' (or any preset name in the comma list) -> its model specs."""
        return ",".join(PRESETS.get(m.strip(), m.strip()) for m in models.split(",") if m.strip())

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        """VOC (devkit layout) and the evenly spaced image indices to score, with the manifest entry."""
        c = self.config
        dataset = VOCSegmentationSet(
            voc_root(self.common.data_path), image_set=c.image_set, size=c.input_size, paper_compat=c.at_input_size
        )
        indices = evenly_spaced(len(dataset), self.common.limit)
        dataset.check_masks(indices)
        return (dataset, indices), {
            "root": str(dataset.voc.root),
            "image_set": c.image_set,
            "images": len(indices),
            "input_size": c.input_size,
        }

    def prepare_model(self, bundle: Any) -> Any:
        require_attention(bundle.model, bundle.name, self.name)  # a CNN fails alone, in one sentence
        return bundle

    def run(self, bundles, data, run_dir, opts):
        dataset, indices = data
        return score_images(self.config, bundles, dataset, indices, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
