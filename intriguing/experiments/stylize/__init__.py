"""``intriguing stylize`` (stylize.py): write a Stylized-ImageNet folder with AdaIN, as Geirhos et al. (2019).

Each content image is styled by one painting drawn at random (seeded by image index) from ``--style-path``, with
alpha 1, and written under ``--target`` with the same class folder and file name; ``stylize_index.csv`` there
says which painting styled which image. Weights: the AdaIN release files (``vgg_normalised.pth``, ``decoder.pth``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from intriguing.experiments.base import Experiment
from intriguing.experiments.stylize.config import Config
from intriguing.options import COMMON_ALL


class StylizeExperiment(Experiment[Config]):
    name = "stylize"
    summary = "make a Stylized-ImageNet folder with AdaIN style transfer (one random painting per image)"
    Config = Config
    accepts = COMMON_ALL - {"models", "runs", "metrics", "paper_compat", "per_image", "no_plot", "compile"}
    uses_models = False
    uses_labels = False

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        from intriguing.data import limit_samples, scan_folder
        from intriguing.errors import UserError
        if not self.common.data_path:
            raise UserError("Pass the content folder (e.g. ImageNet train) with --data-path.")
        images = limit_samples(scan_folder(self.common.data_path), self.common.limit)
        # the paintings and both weight files are checked here, before the results folder is made: a bad
        # --style-path / --vgg / --decoder leaves no empty results folder behind (the nets are kept for run)
        import torch

        from intriguing.experiments.stylize.sweep import load_adain, style_files
        style_files(self.config.style_path)
        self.adain = load_adain(self.config, torch.device("cpu"))
        return images, {"root": images.root, "images": len(images), "classes": len(images.classes),
                        "style_path": self.config.style_path, "target": self.config.target}

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.stylize.sweep import stylize, summary
        written, done, bad = stylize(self.config, data, opts.device, opts.batch_size, opts.progress, opts.dist,
                                     self.adain.to(opts.device))
        row = summary(written, done, bad, self.config)
        run_dir.append_records([row])
        if bad:
            run_dir.write_manifest(skipped_images=bad)
        return [row], {}

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.stylize.sweep import report
        return report(records, out_dir, plot)
