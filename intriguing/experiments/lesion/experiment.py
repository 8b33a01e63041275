"""The Experiment class of ``intriguing lesion`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

import logging
from typing import Any

from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.experiments.lesion.config import Config
from intriguing.experiments.lesion.points import describe_skipped, lesion_points
from intriguing.experiments.lesion.schema import SCHEMA
from intriguing.experiments.lesion.sweep import report as report_records
from intriguing.experiments.lesion.sweep import run as run_sweep
from intriguing.options import changed

log = logging.getLogger(__name__)


class LesionExperiment(Experiment[Config]):
    name = "lesion"
    Config = Config
    schema = SCHEMA

    def prepare_model(self, bundle: Any) -> Any:
        unit, points, skipped = lesion_points(bundle, self.config.blocks, self.config.stages)
        if skipped:
            log.info(describe_skipped(bundle, unit, skipped))
        if not points:
            raise UserError(describe_skipped(bundle, unit, skipped) + " Nothing is left to run for it.")
        return bundle

    def run(self, bundles, data, run_dir, opts):
        if opts.dist.is_main:
            for line in ignored_options(self.config, bundles):
                log.warning(line)
        return run_sweep(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)


def ignored_options(config: Config, bundles: list[Any]) -> list[str]:
    """--stages is read by CNNs only and --blocks by ViTs only: say so when no model of the run reads one that was
    given (``--stages 2`` on a ViT would otherwise be ignored without a word)."""
    vits = [b.name for b in bundles if b.is_vit or b.is_tnt]
    cnns = [b.name for b in bundles if not (b.is_vit or b.is_tnt)]
    out = []
    if config.stages and not cnns:
        out.append(
            f"--stages {' '.join(map(str, config.stages))} applies to CNN stages, and no model of this run is "
            f"a CNN ({', '.join(vits)}): it is ignored; ViTs are lesioned at --blocks "
            f"{' '.join(map(str, config.blocks))}."
        )
    if changed(config, "blocks") and not vits and cnns:
        out.append(
            f"--blocks {' '.join(map(str, config.blocks))} applies to ViT blocks, and no model of this run is "
            f"a ViT ({', '.join(cnns)}): it is ignored; CNNs are lesioned at their stages (--stages)."
        )
    return out
