"""Per-block accuracy under occlusion: one forward per condition, every block read from it.

Conditions: ``clean``; ``random`` PatchDrop at each ratio (black cells on the model's patch grid, the same
per-image masks ``intriguing occlusion`` draws for that seed, grid, ratio and run); ``shuffle`` at each grid
(the same per-image permutations ``intriguing shuffle`` draws). For each, :func:`per_block_logits` (the
transfer command's per-block readout: ``forward_intermediates(norm=True)`` + ``forward_head``) gives every
block's logits from that single forward. Records: (condition, ratio, grid, block, run) per model. TNT (no
``patch_embed``) takes its cells from ``pixel_embed``'s 16-px grid; CNNs are not applicable.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import torch

from intriguing.engine import EngineOptions, Grid, Output, Sweep, run_sweep
from intriguing.experiments.per_block.conditions import BlockReadout
from intriguing.experiments.per_block.config import Config
from intriguing.features.heads import is_vit, per_block_logits
from intriguing.perturb import drop_pixels, n_dropped, parse_grid, per_image_drop_mask, shuffle_patches
from intriguing.plots.lines import describe_data
from intriguing.plots.panels import panel_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, read_manifest, summarize
from intriguing.seeding import per_image_permutation
from intriguing.zoo import ModelBundle

log = logging.getLogger(__name__)

NOT_APPLICABLE = "no class token per block (not a ViT)"


def patch_grid(bundle: ModelBundle) -> Grid:
    """The token grid PatchDrop cells follow: ``patch_embed``'s, or TNT's ``pixel_embed`` (its 16-px patches)."""
    embed = bundle.model.pixel_embed if bundle.is_tnt else bundle.model.patch_embed
    return Grid(*(int(v) for v in embed.grid_size))


class PerBlockOcclusionSweep(Sweep[BlockReadout]):
    def __init__(self, config: Config) -> None:
        self.c = config

    def settings(self, bundle: ModelBundle) -> list[BlockReadout]:
        """The image conditions (one forward each), without the block."""
        grid = patch_grid(bundle)
        out = [BlockReadout("clean", 0.0, Grid(1, 1), "clean", 0)]
        out += [
            BlockReadout("random", r, grid, f"drop {r:g}", run) for r in self.c.ratios for run in range(self.c.runs)
        ]
        if not self.c.no_shuffle:
            out += [
                BlockReadout("shuffle", 0.0, parse_grid(g), f"shuffle {g}", run)
                for g in self.c.grids
                for run in range(self.c.runs)
            ]
        return out

    def conditions(self, bundle: ModelBundle) -> list[BlockReadout]:
        return [replace(s, block=b) for s in self.settings(bundle) for b in range(len(bundle.model.blocks))]

    def prepare(self, batch) -> None:
        self.batch = batch

    def image(self, x01: torch.Tensor, s: BlockReadout) -> torch.Tensor:
        """The condition's pixels, from the occlusion / shuffle commands' own per-image draws."""
        idx = self.batch.indices
        if s.condition == "random":  # occlusion's parts: (seed, drop, grid, ratio, run)
            mask = per_image_drop_mask(
                idx, s.grid, n_dropped(s.grid.cells, s.ratio), self.c.seed, "random", str(s.grid), s.ratio, s.run
            )
            return drop_pixels(x01, mask.to(x01.device), 0.0)
        if s.condition == "shuffle":  # shuffle's parts: (seed, "shuffle", grid, run)
            perm = per_image_permutation(idx, s.grid.cells, self.c.seed, "shuffle", str(s.grid), s.run)
            return shuffle_patches(x01, s.grid, perm)
        return x01

    def evaluate(self, bundle: ModelBundle, cond: BlockReadout, x01: torch.Tensor, batch) -> Output:
        blocks = list(range(len(bundle.model.blocks)))
        # one forward per image condition, every block read from it
        logits = self.once(
            cond.images(), lambda: per_block_logits(bundle.model, bundle.normalize(self.image(x01, cond)), blocks)
        )
        return Output(logits[cond.block])


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    ok = [b for b in bundles if is_vit(b.model)]
    not_applicable: dict[str, str] = {b.label: NOT_APPLICABLE for b in bundles if b not in ok}
    for name, why in not_applicable.items():
        log.info(f"per-block: {name} is not applicable ({why}); it is skipped, not failed.")
    if not_applicable:
        run_dir.write_manifest(not_applicable={**run_dir.manifest.get("not_applicable", {}), **not_applicable})
    return run_sweep(PerBlockOcclusionSweep(config), ok, images, run_dir, opts) if ok else ([], {})


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Table of every block (mean ± std over runs) and accuracy vs block, one panel per model, one line per
    condition (clean, each drop ratio, each shuffle grid)."""
    keys = ["model", "setting", "block"]
    metrics = [m for m in ("top1", "real_top1", "top5", "ece", "nll") if any(m in r for r in records)]
    text = format_table(summarize(records, keys, metrics), keys + ["runs"], metrics)
    skipped = sorted(read_manifest(out_dir).get("not_applicable", {}))  # CNNs: said in the table and the plot
    note = f"not applicable (no class token per block): {', '.join(skipped)}" if skipped else ""
    text += f"\n{note}" if note else ""
    if plot and records:
        path = panel_plot(
            records,
            "model",
            "block",
            "top1",
            ["setting"],
            f"{out_dir}/per_block.png",
            xlabel="block (0-based): its output's class token read",
            ylabel="top-1 accuracy (%)",
            ylim=(0, 100),
            title=f"Per-block accuracy: block's class token through the final norm + head\n"
            f"{describe_data(records, out_dir)}" + (f"\n{note}" if note else ""),
        )
        text += f"\nplot: {path}"
        # the last block's readout is the model's own output: its clean and hardest-condition calibration
        last = {m: max(int(r["block"]) for r in records if r["model"] == m) for m in {r["model"] for r in records}}
        final = [r for r in records if int(r["block"]) == last[r["model"]]]
        rel = reliability_figure(final, Path(out_dir) / "reliability.png", ["setting", "block"])
        if rel:  # run with --metrics calibration
            text += f"\nplot: {rel}"
    return text
