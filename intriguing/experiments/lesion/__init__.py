"""``intriguing lesion``: feature-drop lesion, top-1 when a fraction of intermediate features is dropped.

ViTs (T2T-ViT, and TNT, whose dropped patches lose their inner pixel tokens too): patch tokens entering block K
are removed (default) or zeroed, prefix tokens kept; CNNs: the same
fraction of spatial positions of stage s's output zeroed. Every block / stage, fraction and run in one pass.
"""
from __future__ import annotations

import sys
from typing import Any, List

from intriguing.experiments.base import Experiment
from intriguing.experiments.lesion.config import Config
from intriguing.options import COMMON_ALL, changed


class LesionExperiment(Experiment[Config]):
    name = "lesion"
    summary = "feature-drop lesion: accuracy when a fraction of the tokens entering block K is dropped"
    Config = Config
    accepts = COMMON_ALL - {"compile"}  # the lesion lives in forward hooks

    def prepare_model(self, bundle: Any) -> Any:
        from intriguing.errors import UserError
        from intriguing.experiments.lesion.points import describe_skipped, lesion_points
        unit, points, skipped = lesion_points(bundle, self.config.blocks, self.config.stages)
        if skipped:
            print(f"note: {describe_skipped(bundle, unit, skipped)}")
        if not points:
            raise UserError(describe_skipped(bundle, unit, skipped) + " Nothing is left to run for it.")
        return bundle

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.lesion.sweep import run
        if opts.dist.is_main:
            for line in ignored_options(self.config, bundles):
                print(f"warning: {line}", file=sys.stderr)
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.lesion.sweep import report
        return report(records, out_dir, plot)


def ignored_options(config: Config, bundles: List[Any]) -> List[str]:
    """--stages is read by CNNs only and --blocks by ViTs only: say so when no model of the run reads one that was
    given (``--stages 2`` on a ViT would otherwise be ignored without a word)."""
    vits = [b.name for b in bundles if b.is_vit or b.is_tnt]
    cnns = [b.name for b in bundles if not (b.is_vit or b.is_tnt)]
    out = []
    if config.stages and not cnns:
        out.append(f"--stages {' '.join(map(str, config.stages))} applies to CNN stages, and no model of this run is "
                   f"a CNN ({', '.join(vits)}): it is ignored; ViTs are lesioned at --blocks "
                   f"{' '.join(map(str, config.blocks))}.")
    if changed(config, "blocks") and not vits and cnns:
        out.append(f"--blocks {' '.join(map(str, config.blocks))} applies to ViT blocks, and no model of this run is "
                   f"a ViT ({', '.join(cnns)}): it is ignored; CNNs are lesioned at their stages (--stages).")
    return out
