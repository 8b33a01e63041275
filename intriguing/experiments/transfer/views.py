"""Image preprocessing for feature extraction: the model's eval view, the original's squash view, augmented views.

Views give uint8 CHW tensors; the model's own mean/std is applied on the device (``ModelBundle.normalize``),
as everywhere in the toolkit. ``timm`` = the model's eval geometry (resize to size/crop_pct, centre
crop; :func:`intriguing.data.eval_transform`); ``squash`` = the original classify_metadataset.py's
``Resize((224, 224))`` with no crop. Augmentation with a feature cache means extracting a few augmented
copies of the training split once (view k > 0: RandomResizedCrop + flip, seeded per image and view,
so a view is reproducible and cacheable); the probe then trains on a different view each epoch.
Every view has a canonical description string that goes into the cache key.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import torch
from torch.utils.data import Dataset
from torchvision.transforms import v2 as T

from intriguing.data import INTERPOLATIONS, eval_transform
from intriguing.errors import UserError

PREPROCESS_MODES = ("timm", "squash")


def view_geometry(geometry: tuple, mode: str = "timm") -> tuple:
    """The geometry a view is cut with: the model's own ('timm') or the original's squash resize."""
    if mode not in PREPROCESS_MODES:
        raise UserError(f"Unknown preprocessing {mode!r}; use one of {', '.join(PREPROCESS_MODES)}.")
    if mode == "squash":  # transforms.Resize((224, 224)): bilinear, whole image, no crop
        return (tuple(geometry[0]), 1.0, "bilinear", "squash")
    return (tuple(geometry[0]), float(geometry[1]), geometry[2], geometry[3])


def build_view(geometry: tuple, view: int = 0) -> tuple[Callable, str]:
    """(PIL -> uint8 tensor transform, description). view 0 = deterministic eval view, k > 0 = augmented."""
    desc = {"geometry": list(geometry), "view": "eval" if view == 0 else "rrc+flip"}
    if view == 0:
        return eval_transform(geometry), json.dumps(desc, sort_keys=True)
    (_, h, w), _, interp, _ = geometry
    tf = T.Compose(
        [
            T.RandomResizedCrop(
                (h, w), interpolation=INTERPOLATIONS.get(interp, T.InterpolationMode.BICUBIC), antialias=True
            ),
            T.RandomHorizontalFlip(),
            T.PILToTensor(),
        ]
    )
    return tf, json.dumps(desc, sort_keys=True)


class SeededView(Dataset):
    """Apply a random ``transform`` to item i with its own seed (``seed``, ``view``, i): reproducible views."""

    def __init__(self, dataset: Dataset, transform: Callable, view: int, seed: int = 0) -> None:
        self.dataset, self.transform, self.view, self.seed = dataset, transform, view, seed

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, i: int):
        image, label = self.dataset[i]
        if image is None:  # unreadable: ``label`` holds the reason, passed on to the extraction's report
            return image, label
        with torch.random.fork_rng(devices=[]):  # keep the caller's global RNG untouched
            torch.manual_seed((self.seed * 1_000_003 + self.view) * 10_000_019 + i)
            return self.transform(image), label
