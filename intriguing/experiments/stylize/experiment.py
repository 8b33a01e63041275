"""The Experiment class of ``intriguing stylize`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

import torch

from intriguing.data import limit_samples, scan_folder
from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.experiments.stylize.config import Config
from intriguing.experiments.stylize.schema import SCHEMA
from intriguing.experiments.stylize.sweep import load_adain, style_files, stylize, summary
from intriguing.experiments.stylize.sweep import report as report_records


class StylizeExperiment(Experiment[Config]):
    name = "stylize"
    Config = Config
    schema = SCHEMA
    uses_models = False
    uses_labels = False

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        if not self.common.data_path:
            raise UserError("Pass the content folder (e.g. ImageNet train) with --data-path.")
        images = limit_samples(scan_folder(self.common.data_path), self.common.limit)
        # the paintings and both weight files are checked here, before the results folder is made: a bad
        # --style-path / --vgg / --decoder leaves no empty results folder behind (the nets are kept for run)
        style_files(self.config.style_path)
        self.adain = load_adain(self.config, torch.device("cpu"))
        return images, {
            "root": images.root,
            "images": len(images),
            "classes": len(images.classes),
            "style_path": self.config.style_path,
            "target": self.config.target,
        }

    def run(self, bundles, data, run_dir, opts):
        written, done, bad = stylize(
            self.config, data, opts.device, opts.batch_size, opts.progress, opts.dist, self.adain.to(opts.device)
        )
        row = summary(written, done, bad, self.config)
        run_dir.append_records([row])
        if bad:
            run_dir.write_manifest(skipped_images=bad)
        return [row], {}

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
