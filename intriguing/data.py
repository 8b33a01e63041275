"""Evaluation data: ImageNet-style folders scored 1000-way, plain ImageFolders, Imagenette default.

Each image is decoded once and cut into one view per distinct model geometry (input size, crop,
interpolation), as uint8; models that share a geometry share the pixels. Unreadable images are
not dropped silently: the batch carries their paths, and the run reports them.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2 as T

from .errors import UserError

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
INTERPOLATIONS = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC,
                  "nearest": T.InterpolationMode.NEAREST, "lanczos": T.InterpolationMode.LANCZOS}
# The original protocol for every model: PIL bilinear Resize(256) + CenterCrop(224).
PAPER_GEOMETRY = ((3, 224, 224), 0.875, "bilinear", "center")


@lru_cache(maxsize=1)
def imagenet_wnids() -> Tuple[str, ...]:
    """The 1000 ImageNet-1k wnids in index order (sorted, as timm's ImageNetInfo)."""
    from timm.data import ImageNetInfo
    return tuple(ImageNetInfo().label_names())


@dataclass
class ImageSet:
    """A list of (path, label) with the label space it scores in."""

    root: str
    samples: List[Tuple[str, int]]
    classes: List[str]
    label_space: str  # "imagenet-1k" (wnid folders) or "folder"
    num_classes: int

    def __len__(self) -> int:
        return len(self.samples)


def scan_folder(root: str | Path) -> ImageSet:
    """Read ``root/<class>/<image>``; wnid class folders map onto the 1000-way ImageNet index."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"Data folder {root} does not exist; pass --data-path to a folder of class sub-folders.")
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise UserError(f"Data folder {root} has no class sub-folders (expected {root}/<class>/<image>.JPEG).")
    wnids = imagenet_wnids()
    index = {w: i for i, w in enumerate(wnids)}
    imagenet = all(c in index for c in classes)
    samples = []
    for ci, c in enumerate(classes):
        label = index[c] if imagenet else ci
        for dirpath, _, files in sorted(os.walk(root / c)):
            samples += [(os.path.join(dirpath, f), label) for f in sorted(files) if f.lower().endswith(IMG_EXTENSIONS)]
    if not samples:
        raise UserError(f"Data folder {root} has {len(classes)} class folder(s) but no images "
                        f"({', '.join(IMG_EXTENSIONS[:3])}, ...).")
    return ImageSet(str(root), samples, classes, "imagenet-1k" if imagenet else "folder",
                    1000 if imagenet else len(classes))


def default_data_root() -> Path:
    """``$INTRIGUING_DATA`` or the repository's ``data/`` folder."""
    env = os.environ.get("INTRIGUING_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data"


def imagenette_val() -> Path:
    """torchvision's Imagenette validation split (real ImageNet val images), downloaded once into data/."""
    root = default_data_root()
    for sub in ("imagenette2", "imagenette2-320", "imagenette2-160"):
        if (root / sub / "val").is_dir():
            return root / sub / "val"
    from torchvision.datasets import Imagenette
    try:
        Imagenette(str(root), split="val", size="full", download=True)
    except Exception as e:
        raise UserError(f"No --data-path given and Imagenette could not be downloaded ({type(e).__name__}); "
                        f"put its val split at {root / 'imagenette2' / 'val'} or pass --data-path.") from None
    return root / "imagenette2" / "val"


def evenly_spaced(n: int, limit: Optional[int]) -> List[int]:
    """All of range(n), or ``limit`` evenly spaced indices (deterministic, covers every class of a sorted set)."""
    if not limit or limit >= n:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, num=limit).round().astype(int).tolist()))


def limit_samples(images: ImageSet, limit: Optional[int]) -> ImageSet:
    """Evenly spaced subset for quick runs."""
    idx = evenly_spaced(len(images), limit)
    return ImageSet(images.root, [images.samples[i] for i in idx], images.classes, images.label_space,
                    images.num_classes)


def eval_transform(geometry: tuple) -> T.Compose:
    """timm's eval pipeline (resize to size/crop_pct, center crop) without normalisation, as uint8."""
    (_, h, w), crop_pct, interp, crop_mode = geometry
    mode = INTERPOLATIONS.get(interp, T.InterpolationMode.BICUBIC)
    if crop_mode == "squash":
        resize = T.Resize((math.floor(h / crop_pct), math.floor(w / crop_pct)), interpolation=mode, antialias=True)
    else:
        scale = math.floor(h / crop_pct) if h == w else (math.floor(h / crop_pct), math.floor(w / crop_pct))
        resize = T.Resize(scale, interpolation=mode, antialias=True)
    return T.Compose([resize, T.CenterCrop((h, w)), T.PILToTensor()])


class MultiViewDataset(torch.utils.data.Dataset):
    """Decodes each image once and returns one uint8 view per geometry; unreadable -> ``None``."""

    def __init__(self, samples: Sequence[Tuple[str, int]], geometries: Sequence[tuple], offset: int = 0) -> None:
        self.samples = list(samples)
        self.geometries = list(dict.fromkeys(geometries))
        self.transforms = [eval_transform(g) for g in self.geometries]
        self.offset = offset  # global index of samples[0], so resumed runs keep their seeds

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int):
        path, label = self.samples[i]
        try:
            with Image.open(path) as im:
                im = im.convert("RGB")
                views = [t(im) for t in self.transforms]
        except Exception:  # corrupt / truncated / not an image: reported by the run, never silently dropped
            return None, label, self.offset + i, path
        return views, label, self.offset + i, path


@dataclass
class Batch:
    """Decoded pixels per geometry (uint8, B x 3 x H x W), labels, global indices, unreadable paths."""

    views: Dict[tuple, torch.Tensor]
    labels: torch.Tensor
    indices: torch.Tensor
    bad_paths: List[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.labels.numel())


def collate(geometries: Sequence[tuple]):
    geometries = list(dict.fromkeys(geometries))

    def _collate(items) -> Batch:
        good = [it for it in items if it[0] is not None]
        bad = [it[3] for it in items if it[0] is None]
        views = {g: torch.stack([it[0][k] for it in good]) if good else torch.empty(0, 3, *g[0][1:], dtype=torch.uint8)
                 for k, g in enumerate(geometries)}
        return Batch(views, torch.tensor([it[1] for it in good], dtype=torch.long),
                     torch.tensor([it[2] for it in good], dtype=torch.long), bad)
    return _collate


def make_loader(images: ImageSet, geometries: Sequence[tuple], batch_size: int, workers: int,
                start: int = 0) -> torch.utils.data.DataLoader:
    """In-order loader over ``images`` from sample ``start`` on (for resuming)."""
    ds = MultiViewDataset(images.samples[start:], geometries, offset=start)
    return torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=False, num_workers=workers,
                                       collate_fn=collate(ds.geometries), pin_memory=torch.cuda.is_available(),
                                       persistent_workers=False)
