"""Patch-shuffle sweep: top-1 vs. the grid an image is cut into and randomly rearranged.

Each image gets its own permutation (the original used one per batch; ``--paper-compat`` or
``--perm-per-batch`` reproduces it). Grids are keyed ``HxW``; ``1x1`` is the unshuffled image.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from intriguing.engine import EngineOptions, Grid, Output, Sweep, run_sweep
from intriguing.experiments.shuffle.conditions import Shuffle
from intriguing.experiments.shuffle.config import Config
from intriguing.perturb import parse_grid, random_permutations, shuffle_patches
from intriguing.plots.curves import report_curves
from intriguing.records.summary import top1_fraction
from intriguing.seeding import generator, per_image_permutation
from intriguing.zoo import ModelBundle


class ShuffleSweep(Sweep[Shuffle]):
    def __init__(self, config: Config) -> None:
        self.c = config

    def conditions(self, bundle: ModelBundle) -> list[Shuffle]:
        return [Shuffle(parse_grid(g), run) for g in self.c.grids for run in range(self.c.runs)]

    def prepare(self, batch) -> None:
        self.batch, self.perms = batch, {}

    def perm(self, grid: Grid, run: int) -> torch.Tensor:
        key = (grid, run)
        if key not in self.perms:  # shared by every model in the pass
            b = len(self.batch)
            parts = (self.c.seed, "shuffle", str(grid), run)
            if self.c.perm_per_batch:
                self.perms[key] = random_permutations(
                    b, grid.cells, generator(*parts, "batch", int(self.batch.indices[0])), per_image=False
                )
            else:
                self.perms[key] = per_image_permutation(self.batch.indices, grid.cells, *parts)
        return self.perms[key]

    def evaluate(self, bundle: ModelBundle, cond: Shuffle, x01: torch.Tensor, batch) -> Output:
        if cond.cells == 1:  # the unshuffled image: one forward serves every run
            return Output(self.once("clean", lambda: bundle(x01)))
        return Output(bundle(shuffle_patches(x01, cond.grid, self.perm(cond.grid, cond.run))))


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    records, failed = run_sweep(ShuffleSweep(config), bundles, images, run_dir, opts)
    if config.paper_compat:
        write_paper_json(run_dir.records(), Path(run_dir.path))
    return records, failed


def write_paper_json(records: list[dict], out_dir: Path) -> None:
    """The original's format: {"run_000": {"<cells>": acc}} keyed by the cell count, acc in [0, 1]."""
    (out_dir / "paper_compat").mkdir(exist_ok=True)
    for model in dict.fromkeys(r["model"] for r in records):
        out: dict[str, dict[str, float]] = {}
        for r in records:
            if r["model"] == model and int(r["cells"]) > 1:
                out.setdefault(f"run_{int(r['run']):03d}", {})[str(int(r["cells"]))] = top1_fraction(r)
        (out_dir / "paper_compat" / f"{model}.json").write_text(json.dumps(out, indent=4))


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    return report_curves(
        records, out_dir, "grid", ["model"], "shuffle.png", "shuffle grid", "Patch shuffle", categorical=True, plot=plot
    )
