"""Patch-shuffle sweep: top-1 vs. the grid an image is cut into and randomly rearranged.

Each image gets its own permutation (the original used one per batch; ``--paper-compat`` or
``--perm-per-batch`` reproduces it). Grids are keyed ``HxW``; ``1x1`` is the unshuffled image.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import torch

from intriguing.zoo import ModelBundle

from intriguing.engine.core import EngineOptions, Sweep, run_sweep
from intriguing.perturb import parse_grid, random_permutations, shuffle_patches
from intriguing.seeding import generator, per_image_permutation
from intriguing.experiments.shuffle.config import Config
from intriguing.plots.curves import report_curves
from intriguing.records.summary import top1_fraction

class ShuffleSweep(Sweep):
    def __init__(self, config: Config) -> None:
        self.c = config

    def conditions(self, bundle: ModelBundle) -> List[dict]:
        return [{"condition": "shuffle", "grid": g, "cells": parse_grid(g)[0] * parse_grid(g)[1], "run": run}
                for g in self.c.grids for run in range(self.c.runs)]

    def prepare(self, batch) -> None:
        self.batch, self.perms = batch, {}

    def perm(self, grid: Tuple[int, int], run: int) -> torch.Tensor:
        key = (grid, run)
        if key not in self.perms:  # shared by every model in the pass
            b, n = len(self.batch), grid[0] * grid[1]
            parts = (self.c.seed, "shuffle", f"{grid[0]}x{grid[1]}", run)
            if self.c.perm_per_batch:
                self.perms[key] = random_permutations(b, n, generator(*parts, "batch", int(self.batch.indices[0])),
                                                      per_image=False)
            else:
                self.perms[key] = per_image_permutation(self.batch.indices, n, *parts)
        return self.perms[key]

    def evaluate(self, bundle: ModelBundle, x01: torch.Tensor, batch) -> Iterator[Tuple[dict, torch.Tensor]]:
        clean = None
        for cond in self.conditions(bundle):
            if cond["cells"] == 1:
                clean = bundle(x01) if clean is None else clean
                yield cond, clean
                continue
            grid = parse_grid(cond["grid"])
            yield cond, bundle(shuffle_patches(x01, grid, self.perm(grid, cond["run"])))


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    records, failed = run_sweep(ShuffleSweep(config), bundles, images, run_dir, opts)
    if config.paper_compat:
        write_paper_json(run_dir.records(), Path(run_dir.path))
    return records, failed


def write_paper_json(records: List[dict], out_dir: Path) -> None:
    """The original's format: {"run_000": {"<cells>": acc}} keyed by the cell count, acc in [0, 1]."""
    (out_dir / "paper_compat").mkdir(exist_ok=True)
    for model in dict.fromkeys(r["model"] for r in records):
        out: Dict[str, Dict[str, float]] = {}
        for r in records:
            if r["model"] == model and int(r["cells"]) > 1:
                out.setdefault(f"run_{int(r['run']):03d}", {})[str(int(r["cells"]))] = top1_fraction(r)
        (out_dir / "paper_compat" / f"{model}.json").write_text(json.dumps(out, indent=4))


def report(records: List[dict], out_dir, plot: bool = True) -> str:
    return report_curves(records, out_dir, "grid", ["model"], "shuffle.png", "shuffle grid", "Patch shuffle",
                         categorical=True, plot=plot)
