"""``intriguing segmentation`` (eval_segmentation.py): unsupervised segmentation from ViT attention on PASCAL VOC.

Each head's attention (class token, and the distillation token of distilled models) is thresholded to keep
``--threshold`` of its mass; the Jaccard index against VOC ground truth is recorded per image.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from intriguing.experiments.base import Experiment
from intriguing.experiments.segmentation.config import Config
from intriguing.options import COMMON_ALL

# The paper's Table (Jaccard on VOC12 val) plus DINO ViT-S/16; distilled models are scored with both
# their class and their shape token. Weights come through the model zoo like any other model.
PAPER_MODELS = ("deit_tiny_patch16_224=random", "deit_small_patch16_224=random", "deit_tiny_patch16_224",
                "deit_small_patch16_224", "deit_t_sin", "deit_s_sin", "deit_t_sin_dist", "deit_s_sin_dist",
                "vit_small_patch16_224.dino")
PRESETS = {"paper": ",".join(PAPER_MODELS)}


class SegmentationExperiment(Experiment[Config]):
    name = "segmentation"
    summary = "unsupervised segmentation from attention: Jaccard on PASCAL VOC"
    Config = Config
    accepts = COMMON_ALL - {"runs", "metrics"}  # deterministic; scores masks, not predictions

    @classmethod
    def parser_defaults(cls) -> Dict[str, Any]:
        return {"models": "deit_small_patch16_224", "batch_size": 16}

    def expand_models(self, models: str) -> str:
        """'paper' (or any preset name in the comma list) -> its model specs."""
        return ",".join(PRESETS.get(m.strip(), m.strip()) for m in models.split(",") if m.strip())

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        """VOC (devkit layout) and the evenly spaced image indices to score, with the manifest entry."""
        from intriguing.data import evenly_spaced
        from intriguing.segmentation.voc import VOCSegmentationSet, voc_root
        c = self.config
        dataset = VOCSegmentationSet(voc_root(self.common.data_path), image_set=c.image_set, size=c.input_size,
                                     paper_compat=c.at_input_size)
        indices = evenly_spaced(len(dataset), self.common.limit)
        dataset.check_masks(indices)
        return (dataset, indices), {"root": str(dataset.voc.root), "image_set": c.image_set,
                                    "images": len(indices), "input_size": c.input_size}

    def prepare_model(self, bundle: Any) -> Any:
        from intriguing.features.attention import require_attention
        require_attention(bundle.model, bundle.name, self.name)  # a CNN fails alone, in one sentence
        return bundle

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.segmentation.sweep import score_images
        dataset, indices = data
        return score_images(self.config, bundles, dataset, indices, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.segmentation.sweep import report
        return report(records, out_dir, plot)
