"""Image preprocessing for feature extraction: the eval view, the paper's squash view, and seeded augmented views.

Augmentation with a feature cache means extracting a few augmented copies of the training split once
(view k > 0, RandomResizedCrop + flip, seeded per image and view, so a view is reproducible and
cacheable); the probe then trains on a different view each epoch. Each view has a canonical
description string that goes into the cache key.
"""
from __future__ import annotations

import json
from typing import Callable

import torch
from torch import nn
from torch.utils.data import Dataset
from torchvision import transforms as T

from ..errors import UserError

PREPROCESS_MODES = ("timm", "squash")


def _interp(name: str) -> T.InterpolationMode:
    return {"bicubic": T.InterpolationMode.BICUBIC, "bilinear": T.InterpolationMode.BILINEAR,
            "nearest": T.InterpolationMode.NEAREST}.get(name, T.InterpolationMode.BICUBIC)


def data_config(model: nn.Module, overrides: dict | None = None) -> dict:
    """timm's resolved eval config (input_size, interpolation, crop_pct, mean, std) for ``model``."""
    from timm.data import resolve_data_config
    cfg = resolve_data_config(overrides or {}, model=model)
    fixed = getattr(getattr(model, "patch_embed", None), "img_size", None)
    if fixed and not (overrides or {}).get("input_size") and not getattr(model, "dynamic_img_size", False):
        cfg["input_size"] = (3, *fixed)  # a ViT built for another size only accepts that size
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()}


def build_view(cfg: dict, mode: str = "timm", view: int = 0) -> tuple[Callable, str]:
    """(transform, description). mode 'timm' = resize + centre crop as the model was evaluated;
    'squash' = the original IPViT ``Resize((224, 224))`` with no crop. view > 0 = augmented view."""
    if mode not in PREPROCESS_MODES:
        raise UserError(f"Unknown preprocessing {mode!r}; use one of {', '.join(PREPROCESS_MODES)}.")
    size = tuple(cfg["input_size"][-2:])
    norm = [T.ToTensor(), T.Normalize(cfg["mean"], cfg["std"])]
    interp = _interp(cfg.get("interpolation", "bicubic"))
    if view > 0:
        geo = [T.RandomResizedCrop(size, interpolation=interp), T.RandomHorizontalFlip()]
    elif mode == "squash":
        geo = [T.Resize(size, interpolation=interp)]
    else:
        from timm.data import create_transform
        tf = create_transform(**{k: cfg[k] for k in ("input_size", "interpolation", "mean", "std", "crop_pct",
                                                     "crop_mode") if k in cfg}, is_training=False)
        return tf, json.dumps({"mode": mode, **cfg}, sort_keys=True)
    desc = {"mode": mode, "view": "rrc+flip" if view > 0 else "eval", **cfg}
    return T.Compose(geo + norm), json.dumps(desc, sort_keys=True)


class SeededView(Dataset):
    """Apply a random ``transform`` to image i with its own seed (``seed``, ``view``, i): reproducible views."""

    def __init__(self, dataset: Dataset, transform: Callable, view: int, seed: int = 0) -> None:
        self.dataset, self.transform, self.view, self.seed = dataset, transform, view, seed

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, i: int):
        image, label = self.dataset[i]
        with torch.random.fork_rng(devices=[]):  # keep the caller's global RNG untouched
            torch.manual_seed((self.seed * 1_000_003 + self.view) * 10_000_019 + i)
            return self.transform(image), label
