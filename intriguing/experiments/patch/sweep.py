"""Learn (or load) each model's patches, then evaluate every (source patch, area, run) on every model in one pass.

Evaluation places a patch at ``--runs`` spots per image, seeded by (seed, area, run, image index): every model
and every source patch sees the same spots (scaled to each model's input size). A patch learned at one model's
input size is resized (bilinear) to cover the same fraction of another model's input. Per-image extras:
``clean_top1`` (the same images without a patch), ``fooled`` (the prediction differs from the clean one: the
fooling rate) and, for a targeted patch, ``hit_target`` (the prediction is the target class), all in percent like
top-1. Each model also gets one record at area 0 (no patch, run 0): the clean reference of the table, the plots
and the reliability diagrams (its ``hit_target`` is the share of clean images already predicted as the target).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import torch

from intriguing.attacks.patch import fit_patch, paste_patch, patch_positions, patch_side
from intriguing.data import scan_folder
from intriguing.distributed import Context, broadcast
from intriguing.engine import MODEL_ERRORS, EngineOptions, Output, Sweep, model_failed, run_sweep
from intriguing.experiments.patch.conditions import Patched
from intriguing.experiments.patch.config import Config
from intriguing.experiments.patch.report import SAMPLES
from intriguing.experiments.patch.samples import save_samples
from intriguing.experiments.patch.train import learn_patch, load_patch, patch_file, save_patch
from intriguing.zoo import ModelBundle

PATCHES = "patches"


class PatchSweep(Sweep[Patched]):
    def __init__(self, config: Config, patches: dict[tuple[str, float], torch.Tensor]) -> None:
        self.c = config
        self.patches = patches  # (source model, area) -> (3, s, s)
        self.sources = list(dict.fromkeys(m for m, _ in patches))

    def conditions(self, bundle: ModelBundle) -> list[Patched]:
        sources = self.sources if self.c.transfer else [bundle.label]
        target = -1 if self.c.target_class is None else self.c.target_class
        clean = Patched(bundle.label, 0.0, target, 0)  # no patch: the reference
        return [clean] + [
            Patched(s, a, target, r)
            for s in sources
            for a in self.c.areas
            if (s, a) in self.patches
            for r in range(self.c.runs)
        ]

    @staticmethod
    def clean(bundle: ModelBundle, x01: torch.Tensor, batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The clean images' logits and predictions, and the labels, on the model's device."""
        logits = bundle(x01)
        return logits, logits.argmax(-1), batch.labels.to(x01.device)

    def evaluate(self, bundle: ModelBundle, cond: Patched, x01: torch.Tensor, batch) -> Output:
        size = tuple(x01.shape[-2:])
        # one clean forward per batch serves every condition
        clean, clean_pred, labels = self.once("clean", lambda: self.clean(bundle, x01, batch))
        if cond.area == 0:
            logits = clean
        else:
            side = patch_side(cond.area, size)
            patch = fit_patch(self.patches[(cond.source, cond.area)].to(x01.device), side)
            pos = patch_positions(batch.indices, side, size, self.c.seed, "patch-eval", cond.area, cond.run)
            logits = bundle(paste_patch(x01, patch, pos))
        pred = logits.argmax(-1)
        # percentages, as top1 and every rate of the toolkit
        extras = {"clean_top1": (clean_pred == labels).float() * 100, "fooled": (pred != clean_pred).float() * 100}
        if self.c.target_class is not None:
            extras["hit_target"] = (pred == self.c.target_class).float() * 100
        return Output(logits, extras)


def wait_group(ctx: Context):
    """Under torchrun, a gloo group with a long timeout of its own, made by every rank together before rank 0
    trains: the other ranks then wait in it for the patches, which can take longer than the default group's
    timeout (10 minutes for NCCL) allows. None in one process."""
    if not ctx.active:
        return None
    import torch.distributed as dist

    return dist.new_group(backend="gloo", timeout=datetime.timedelta(hours=24))


def from_main(obj: Any, ctx: Context, group) -> Any:
    """Rank 0's ``obj`` on every rank, over ``group`` (then released; ``obj`` itself in one process)."""
    out = broadcast(obj, ctx, group)
    if group is not None:
        import torch.distributed as dist

        dist.destroy_process_group(group)
    return out


def obtain_patches(
    config: Config, bundles: list[ModelBundle], run_dir, opts: EngineOptions
) -> tuple[dict[tuple[str, float], torch.Tensor], dict[str, str]]:
    """Every model's patches, obtained once: under torchrun rank 0 loads or learns (and saves) them and sends them
    to the other ranks, so every rank evaluates the very same patch (GPU training is not bit-reproducible) and
    only rank 0 writes files."""
    group = wait_group(opts.dist)
    found = None
    if opts.dist.is_main:
        patches, failed = _obtain(config, bundles, run_dir, opts)
        found = ({k: v.detach().cpu() for k, v in patches.items()}, failed)  # sent pickled: device-free
    return from_main(found, opts.dist, group)


def _obtain(
    config: Config, bundles: list[ModelBundle], run_dir, opts: EngineOptions
) -> tuple[dict[tuple[str, float], torch.Tensor], dict[str, str]]:
    """Loaded from --load-patches, else from this run's folder, else learned and saved."""
    folder = Path(run_dir.path) / PATCHES
    train = scan_folder(config.train_path) if config.train_path and not config.load_patches else None
    patches, failed = {}, {}
    for b in bundles:
        try:
            for a in config.areas:
                saved = patch_file(Path(config.load_patches) if config.load_patches else folder, b.label, a)
                if config.load_patches or saved.is_file():  # a rerun reuses the patches it learned
                    state = load_patch(saved)
                    if config.load_patches or state.get("weights") in (None, b.weights_id):  # not other weights'
                        patches[(b.label, a)] = state["patch"]
                        continue
                patch = learn_patch(
                    b,
                    train,
                    a,
                    config.steps,
                    config.train_batch,
                    config.lr,
                    config.target_class,
                    config.seed,
                    opts.workers,
                    opts.device,
                    opts.progress,
                )
                save_patch(
                    saved,
                    patch,
                    {
                        "model": b.name,
                        "weights": b.weights_id,
                        "area": a,
                        "target_class": config.target_class,
                        "steps": config.steps,
                        "input_size": list(b.input_size),
                        "lr": config.lr,
                        "seed": config.seed,
                    },
                )
                patches[(b.label, a)] = patch.cpu()
        except MODEL_ERRORS as e:
            model_failed(failed, b, e, run_dir)
            for a in config.areas:
                patches.pop((b.label, a), None)
    return patches, failed


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    patches, failed = obtain_patches(config, list(bundles), run_dir, opts)
    live = [b for b in bundles if b.label not in failed]
    if not live:
        return [], failed
    records, more = run_sweep(PatchSweep(config, patches), live, images, run_dir, opts)
    if config.samples and opts.dist.is_main:  # what the models predicted, saved for the report's patches.png
        save_samples(patches, live, images, config, Path(run_dir.path) / SAMPLES)
    return records, {**failed, **more}
