"""Occlusion (PatchDrop) sweep: top-1 vs. the fraction of image patches dropped.

Conditions: ``random`` (cells aligned with the model's patches), ``random-offset`` (grid shifted
by half a cell, as in the paper), and ``salient`` / ``non-salient`` (the cells a saliency ViT's
attention ranks highest / lowest; see :mod:`.saliency_drop`). Masks are drawn per image from seeds that depend only on
(seed, condition, grid, ratio, run, image index) and are shared by every model with that grid, so
models are compared on identical occlusions. ``--drop-mode tokens`` removes the dropped patch
tokens from ViTs instead of blacking pixels.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Optional

import torch

from intriguing.device import constant
from intriguing.engine import EngineOptions, Grid, Output, Sweep, run_sweep
from intriguing.errors import UserError
from intriguing.experiments.occlusion.conditions import Drop
from intriguing.experiments.occlusion.config import Config
from intriguing.experiments.occlusion.saliency_drop import (
    SALIENCY_DROPS,
    SaliencyDropper,
    write_dino_json,
)
from intriguing.perturb import (
    drop_pixels,
    drop_tokens,
    half_cell_offset,
    model_grid,
    n_dropped,
    per_image_drop_mask,
    random_drop_mask,
)
from intriguing.plots.curves import report_curves
from intriguing.records import read_manifest
from intriguing.records.summary import top1_fraction
from intriguing.seeding import generator
from intriguing.zoo import ModelBundle


def fill_value(config: Config, bundle: ModelBundle, device: torch.device = torch.device("cpu")):
    """The dropped pixels' value in [0, 1]: a number, or the model's mean per channel (a tensor on ``device``,
    built once per device: :func:`intriguing.device.constant`)."""
    if config.fill == "black":
        return 0.0
    if config.fill == "mean":
        return constant(bundle.data_config["mean"], device, torch.float32)
    try:
        return float(config.fill)
    except ValueError:
        raise UserError(f"--fill must be black, mean or a number in [0, 1]; got {config.fill!r}.") from None


def embed_patches(bundle: ModelBundle, x01: torch.Tensor) -> torch.Tensor:
    """A timm ViT's tokens of the whole image, position embedding added: what token drop removes tokens from."""
    m = bundle.model
    return m._pos_embed(m.patch_embed(bundle.normalize(x01)))


def forward_kept_tokens(
    bundle: ModelBundle,
    x01: torch.Tensor,
    cell_mask: torch.Tensor,
    dropped: Optional[int] = None,
    embedded: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """A timm ViT's forward with the dropped patch tokens removed after position embedding (``dropped``: the
    count per image, when known, spares a GPU sync; ``embedded``: :func:`embed_patches` of ``x01``, when the
    caller already has it, so that conditions on the same images share one patch embedding)."""
    m = bundle.model
    x = embed_patches(bundle, x01) if embedded is None else embedded
    x = m.norm_pre(drop_tokens(x, cell_mask, m.num_prefix_tokens, dropped))
    return m.forward_head(m.norm(m.blocks(x)))


class OcclusionSweep(Sweep[Drop]):
    def __init__(self, config: Config, saliency: Optional[ModelBundle] = None) -> None:
        self.c = config
        self.masks: dict[tuple, torch.Tensor] = {}
        if config.uses_saliency and saliency is None:
            raise UserError("salient / non-salient drop needs a saliency model (--saliency-model).")
        self.saliency = SaliencyDropper(config.saliency, saliency) if config.uses_saliency else None
        self.stacks: dict[str, dict[int, list[Drop]]] = {}  # model label -> stacking group -> its conditions

    def conditions(self, bundle: ModelBundle) -> list[Drop]:
        grid = model_grid(bundle, self.c.grid)
        mode = self.mode(bundle)
        out: list[Drop] = []
        for d in self.c.drop:
            if d in SALIENCY_DROPS:  # deterministic: one run
                out += self.saliency.conditions(d, bundle, grid, self.c.ratios, mode)
                continue
            out += [
                Drop(d, grid, mode, r, run, self.count(grid, r) / grid.cells)
                for r in self.c.ratios
                for run in range(self.c.runs)
            ]
        return self.stacked(bundle, out)

    def stacked(self, bundle: ModelBundle, conds: list[Drop]) -> list[Drop]:
        """``conds`` with --stack-conditions' groups planned: consecutive pixel-drop conditions (the identity
        aside) share one forward pass, ``stack_conditions`` at a time."""
        if self.c.stack_conditions == 1 or self.mode(bundle) == "tokens":
            return conds
        out, n = [], 0
        for c in conds:
            if c.dropped != 0:
                c, n = replace(c, stack=n // self.c.stack_conditions), n + 1
            out.append(c)
        groups: dict[int, list[Drop]] = {}
        for c in out:
            if c.stack >= 0:
                groups.setdefault(c.stack, []).append(c)
        self.stacks[bundle.label] = groups
        return out

    def count(self, grid: Grid, ratio: float) -> int:
        return n_dropped(grid.cells, ratio, "floor" if self.c.paper_compat else "round")

    def mode(self, bundle: ModelBundle) -> str:
        return "tokens" if self.c.drop_mode == "tokens" and bundle.is_vit else "pixels"

    def prepare(self, batch) -> None:
        self.masks = {}
        self.batch = batch
        self.indices: Optional[torch.Tensor] = None  # the batch's image indices on the model's device
        if self.saliency is not None:
            self.saliency.prepare()

    def mask(
        self, drop: str, grid: Grid, ratio: float, run: int, device: torch.device = torch.device("cpu")
    ) -> torch.Tensor:
        """Drawn on ``device`` (the model's): the same cells on CPU and GPU, and a GPU never waits for a host copy."""
        key = (drop, grid, ratio, run)
        if key not in self.masks:  # drawn once per batch, shared by every model with this grid
            b = len(self.batch)
            parts = (self.c.seed, drop, str(grid), ratio, run)
            if self.c.mask_per_batch:
                gen = generator(*parts, "batch", int(self.batch.indices[0]))
                self.masks[key] = random_drop_mask(
                    b, grid, ratio, gen, per_image=False, rounding="floor" if self.c.paper_compat else "round"
                ).to(device)
            else:
                if self.indices is None or self.indices.device != device:
                    self.indices = self.batch.indices.to(device, non_blocking=True)  # pinned
                self.masks[key] = per_image_drop_mask(self.indices, grid, self.count(grid, ratio), *parts)
        return self.masks[key]

    def cells(self, bundle: ModelBundle, cond: Drop, x01: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """The condition's cell mask on this batch (True = dropped) and its extras."""
        if cond.condition not in SALIENCY_DROPS:
            return self.mask(cond.condition, cond.grid, cond.ratio, cond.run, x01.device), {}
        mask = self.saliency.masks(bundle, x01, cond.grid, self.c.ratios)[cond.condition][:, cond.level]
        if self.c.saliency.rule == "mass":  # the count varies per image: record its mean
            return mask, {"dropped": mask.flatten(1).float().mean(1)}
        return mask, {}

    def pixels(self, bundle: ModelBundle, cond: Drop, x01: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """The condition's occluded pixels (a pixel-mode condition) and its extras."""
        mask, extras = self.cells(bundle, cond, x01)
        shift = half_cell_offset(tuple(x01.shape[-2:]), cond.grid) if cond.condition == "random-offset" else 0
        return drop_pixels(x01, mask, fill_value(self.c, bundle, x01.device), offset=shift), extras

    def evaluate(self, bundle: ModelBundle, cond: Drop, x01: torch.Tensor, batch) -> Output:
        grid = model_grid(bundle, self.c.grid)
        if cond.drop_mode == "tokens" and grid != tuple(bundle.model.patch_embed.grid_size):
            raise UserError(
                f"--drop-mode tokens needs the model's own patch grid {bundle.model.patch_embed.grid_size}, not {grid}."
            )
        if cond.dropped == 0:  # identity: one clean forward serves every run and condition
            return Output(self.once("clean", lambda: bundle(x01)))
        if cond.drop_mode == "tokens":
            mask, extras = self.cells(bundle, cond, x01)
            known = None if cond.condition in SALIENCY_DROPS else self.count(grid, cond.ratio)
            # the images' tokens before any is dropped: the same for every condition
            embedded = self.once("embedded", lambda: embed_patches(bundle, x01))
            return Output(forward_kept_tokens(bundle, x01, mask, known, embedded), extras)
        if cond.stack < 0:
            x, extras = self.pixels(bundle, cond, x01)
            return Output(bundle(x), extras)
        group = self.stacks[bundle.label][cond.stack]
        outputs = self.once(("stack", cond.stack), lambda: self.forward_stacked(bundle, group, x01))
        return outputs[group.index(cond)]

    def forward_stacked(self, bundle: ModelBundle, group: list[Drop], x01: torch.Tensor) -> list[Output]:
        """One forward pass over several conditions' images (concatenated), split back per condition."""
        inputs = [self.pixels(bundle, c, x01) for c in group]
        logits = bundle(torch.cat([x for x, _ in inputs])).split(len(x01))
        return [Output(out, extras) for (_, extras), out in zip(inputs, logits)]


def run(config: Config, bundles, images, run_dir, opts: EngineOptions, saliency: Optional[ModelBundle]):
    """The occlusion pass; ``saliency``: the ViT that ranks the cells of salient / non-salient drop, which the
    experiment loads before the folder is made (None without a saliency drop)."""
    if saliency is not None:
        run_dir.write_manifest(
            saliency_model={"name": saliency.name, "source": saliency.source, "data_config": saliency.data_config}
        )
    records, failed = run_sweep(OcclusionSweep(config, saliency), bundles, images, run_dir, opts)
    if config.paper_compat:
        write_paper_json(run_dir.records(), Path(run_dir.path))
        write_dino_json(run_dir.records(), Path(run_dir.path))
    return records, failed


def write_paper_json(records: list[dict], out_dir: Path) -> None:
    """The original's report format: {model}.json = {"run_000": {"0": acc, ..., "9": acc}}, acc in [0, 1]."""
    (out_dir / "paper_compat").mkdir(exist_ok=True)
    for model in dict.fromkeys(r["model"] for r in records):
        for drop in dict.fromkeys(
            r["condition"] for r in records if r["model"] == model and r["condition"] not in SALIENCY_DROPS
        ):  # those: write_dino_json
            out: dict[str, dict[str, float]] = {}
            for r in records:
                if r["model"] == model and r["condition"] == drop:
                    out.setdefault(f"run_{int(r['run']):03d}", {})[str(round(float(r["ratio"]) * 10))] = top1_fraction(
                        r
                    )
            suffix = "" if drop == "random" else f"_{drop}"
            (out_dir / "paper_compat" / f"{model}{suffix}.json").write_text(json.dumps(out, indent=4))


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Summary table and the accuracy-vs-fraction-dropped plot (titled with the saliency model when the
    records hold salient / non-salient drops; its name comes from the manifest)."""
    key = ""
    if any(r["condition"] in SALIENCY_DROPS for r in records):
        key = f"saliency model {read_manifest(out_dir).get('saliency_model', {}).get('name', '?')}"
    return report_curves(
        records,
        out_dir,
        "dropped",
        ["model", "condition", "drop_mode"],
        "occlusion.png",
        "fraction of patches dropped",
        "PatchDrop",
        plot=plot,
        key=key,
    )
