"""What the patch figure shows, computed once after the evaluation and saved in the results folder
(``patch_samples.npz``): each learned patch, the first ``--samples`` images with it pasted at the evaluation's first
placement (its own model's view), and the model's prediction without and with it. The report draws from this file
and never runs a model.

Arrays (no Python objects, read with ``allow_pickle=False``): ``names`` (K,) and ``areas`` (K,) for the K (model,
area) rows, ``patch{k}`` (3, s, s) and ``pasted{k}`` (n, 3, H, W) uint8 pixels, ``before{k}`` / ``after{k}`` (n,)
predicted classes, and the caption's facts ``target_class`` (-1: untargeted), ``steps``, ``train_batch``,
``loaded`` (the patches came from --load-patches).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from intriguing.attacks.patch import fit_patch, paste_patch, patch_positions, patch_side
from intriguing.data import ImageSet, limit_samples, make_loader
from intriguing.experiments.patch.config import Config
from intriguing.zoo import ModelBundle


def _pixels(x: torch.Tensor) -> np.ndarray:
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()


def save_samples(
    patches: dict[tuple[str, float], torch.Tensor],
    bundles: list[ModelBundle],
    images: ImageSet,
    config: Config,
    path: Path,
) -> Path:
    """Paste each (model, area) patch on the first ``config.samples`` images, predict with and without it, save."""
    keys = [k for k in patches if any(b.name == k[0] for b in bundles)]
    sample = limit_samples(images, config.samples)
    arrays: dict[str, np.ndarray] = {
        "names": np.array([name for name, _ in keys], dtype=str),
        "areas": np.array([a for _, a in keys], float),
        "target_class": np.array(-1 if config.target_class is None else config.target_class),
        "steps": np.array(config.steps),
        "train_batch": np.array(config.train_batch),
        "loaded": np.array(bool(config.load_patches)),
    }
    for k, (name, area) in enumerate(keys):
        b = next(b for b in bundles if b.name == name)
        batch = next(iter(make_loader(sample, [b.geometry], config.samples, 0)))
        x = batch.views[b.geometry].float() / 255
        side = patch_side(area, tuple(x.shape[-2:]))
        pos = patch_positions(batch.indices, side, tuple(x.shape[-2:]), config.seed, "patch-eval", area, 0)
        pasted = paste_patch(x, fit_patch(patches[(name, area)], side), pos)
        with torch.inference_mode():
            dev = next(b.model.parameters()).device
            arrays[f"before{k}"] = b(x.to(dev)).argmax(-1).cpu().numpy()
            arrays[f"after{k}"] = b(pasted.to(dev)).argmax(-1).cpu().numpy()
        arrays[f"patch{k}"] = _pixels(patches[(name, area)])
        arrays[f"pasted{k}"] = _pixels(pasted)
    np.savez_compressed(path, **arrays)
    return path
