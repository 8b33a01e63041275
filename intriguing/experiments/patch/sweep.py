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
from typing import Any, Dict, Iterator, List, Tuple

import torch
import torch.nn.functional as F

from intriguing.attacks.patch import paste_patch, patch_positions, patch_side
from intriguing.data import scan_folder
from intriguing.distributed import Context, broadcast
from intriguing.engine.core import MODEL_ERRORS, EngineOptions, Sweep, model_failed, run_sweep
from intriguing.experiments.patch.config import Config
from intriguing.experiments.patch.train import learn_patch, load_patch, patch_file, save_patch
from intriguing.zoo import ModelBundle

PATCHES = "patches"


def fit_patch(patch: torch.Tensor, side: int) -> torch.Tensor:
    """``patch`` resized to ``side`` pixels (a patch learned at another input size keeps its area fraction)."""
    if patch.shape[-1] == side:
        return patch
    return F.interpolate(patch[None], size=(side, side), mode="bilinear", antialias=True,
                         align_corners=False)[0].clamp(0, 1)


class PatchSweep(Sweep):
    def __init__(self, config: Config, patches: Dict[Tuple[str, float], torch.Tensor]) -> None:
        self.c = config
        self.patches = patches  # (source model, area) -> (3, s, s)
        self.sources = list(dict.fromkeys(m for m, _ in patches))

    def conditions(self, bundle: ModelBundle) -> List[dict]:
        sources = self.sources if self.c.transfer else [bundle.label]
        target = -1 if self.c.target_class is None else self.c.target_class
        clean = {"source": bundle.label, "area": 0.0, "target_class": target, "run": 0}  # no patch: the reference
        return [clean] + [{"source": s, "area": a, "target_class": target, "run": r}
                          for s in sources for a in self.c.areas if (s, a) in self.patches for r in range(self.c.runs)]

    def evaluate(self, bundle: ModelBundle, x01: torch.Tensor, batch) -> Iterator[tuple]:
        size = tuple(x01.shape[-2:])
        clean = bundle(x01)
        clean_pred = clean.argmax(-1)
        labels = batch.labels.to(x01.device)
        for cond in self.conditions(bundle):
            if cond["area"] == 0:
                logits = clean
            else:
                side = patch_side(cond["area"], size)
                patch = fit_patch(self.patches[(cond["source"], cond["area"])].to(x01.device), side)
                pos = patch_positions(batch.indices, side, size, self.c.seed, "patch-eval", cond["area"],
                                      cond["run"])
                logits = bundle(paste_patch(x01, patch, pos))
            pred = logits.argmax(-1)
            # percentages, as top1 and every rate of the toolkit
            extras = {"clean_top1": (clean_pred == labels).float() * 100, "fooled": (pred != clean_pred).float() * 100}
            if self.c.target_class is not None:
                extras["hit_target"] = (pred == self.c.target_class).float() * 100
            yield cond, logits, extras


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


def obtain_patches(config: Config, bundles: List[ModelBundle], run_dir, opts: EngineOptions
                   ) -> Tuple[Dict[Tuple[str, float], torch.Tensor], Dict[str, str]]:
    """Every model's patches, obtained once: under torchrun rank 0 loads or learns (and saves) them and sends them
    to the other ranks, so every rank evaluates the very same patch (GPU training is not bit-reproducible) and
    only rank 0 writes files."""
    group = wait_group(opts.dist)
    found = None
    if opts.dist.is_main:
        patches, failed = _obtain(config, bundles, run_dir, opts)
        found = ({k: v.detach().cpu() for k, v in patches.items()}, failed)  # sent pickled: device-free
    return from_main(found, opts.dist, group)


def _obtain(config: Config, bundles: List[ModelBundle], run_dir, opts: EngineOptions
            ) -> Tuple[Dict[Tuple[str, float], torch.Tensor], Dict[str, str]]:
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
                patch = learn_patch(b, train, a, config.steps, config.train_batch, config.lr, config.target_class,
                                    config.seed, opts.workers, opts.device, opts.progress)
                save_patch(saved, patch, {"model": b.name, "weights": b.weights_id, "area": a,
                                          "target_class": config.target_class, "steps": config.steps,
                                          "input_size": list(b.input_size), "lr": config.lr, "seed": config.seed})
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
    if config.samples and opts.dist.is_main:
        from intriguing.experiments.patch.report import patch_figure
        patch_figure(patches, live, images, config, Path(run_dir.path) / "patches.png")
    return records, {**failed, **more}
