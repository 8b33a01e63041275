"""``intriguing segmentation-figures`` (visualize_segmentation.py): attention maps and masks drawn per image.

Reads a PASCAL VOC devkit (ground truth drawn as a contour) or any folder of images. Records list the figures
written per (model, token, image); the drawing runs as an engine pass (a rerun skips the (model, weights, token)
already drawn; torchrun splits the images).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from intriguing.experiments.base import Experiment
from intriguing.experiments.segmentation_figures.config import Config
from intriguing.options import COMMON_ALL


class SegmentationFiguresExperiment(Experiment[Config]):
    name = "segmentation-figures"
    summary = "attention maps and thresholded masks drawn per image (VOC or any image folder)"
    Config = Config
    accepts = COMMON_ALL - {"runs", "metrics", "per_image", "no_plot", "compile"}  # it only draws
    uses_labels = False

    @classmethod
    def parser_defaults(cls) -> Dict[str, Any]:
        return {"models": "deit_small_patch16_224", "batch_size": 8, "limit": 8}

    def out_name(self) -> str:
        return "visualize_segmentation"

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        from intriguing.segmentation.voc import voc_root
        from intriguing.experiments.segmentation_figures.figures import image_source
        root = voc_root(self.common.data_path)
        images = image_source(root, self.config, self.common.limit)
        return images, {"root": root, "images": len(images)}

    def prepare_model(self, bundle: Any) -> Any:
        from intriguing.features.attention import require_attention
        require_attention(bundle.model, bundle.name, self.name)  # a CNN fails alone, in one sentence
        return bundle

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.segmentation_figures.figures import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        n = sum(int(r["figures"]) for r in records)
        return f"wrote {n} figure(s) for {len(records)} (model, token, image) under {out_dir}"
