"""Image folders: ImageNet-style class folders (wnids score 1000-way), plain ImageFolders, the
Imagenette default, and evenly spaced subsets for quick runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
from torchvision.transforms import v2 as T

from intriguing.errors import UserError

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
INTERPOLATIONS = {
    "bilinear": T.InterpolationMode.BILINEAR,
    "bicubic": T.InterpolationMode.BICUBIC,
    "nearest": T.InterpolationMode.NEAREST,
    "lanczos": T.InterpolationMode.LANCZOS,
}
# The original protocol for every model: PIL bilinear Resize(256) + CenterCrop(224).
PAPER_GEOMETRY = ((3, 224, 224), 0.875, "bilinear", "center")


@lru_cache(maxsize=1)
def imagenet_wnids() -> tuple[str, ...]:
    """The 1000 ImageNet-1k wnids in index order (sorted, as timm's ImageNetInfo)."""
    from timm.data import ImageNetInfo

    return tuple(ImageNetInfo().label_names())


@dataclass
class ImageSet:
    """A list of (path, label) with the label space it scores in."""

    root: str
    samples: list[tuple[str, int]]
    classes: list[str]
    label_space: str  # "imagenet-1k" (wnid folders) or "folder"
    num_classes: int

    def __len__(self) -> int:
        return len(self.samples)


def scan_folder(root: str | Path) -> ImageSet:
    """Read ``root/<class>/<image>``; wnid class folders map onto the 1000-way ImageNet index."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"Data folder {root} does not exist; pass --data-path to a folder of class sub-folders.")
    classes = _class_folders(root)
    if not classes:
        raise UserError(f"Data folder {root} has no class sub-folders (expected {root}/<class>/<image>.JPEG).")
    wnids = imagenet_wnids()
    index = {w: i for i, w in enumerate(wnids)}
    imagenet = all(c in index for c in classes)
    samples, seen = [], set()
    for ci, c in enumerate(classes):
        label = index[c] if imagenet else ci
        for dirpath, _, files in sorted(os.walk(root / c)):  # nested folder links are not followed (os.walk)
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                if f.lower().endswith(IMG_EXTENSIONS) and os.path.realpath(path) not in seen:  # each file once
                    seen.add(os.path.realpath(path))
                    samples.append((path, label))
    if not samples:
        raise UserError(
            f"Data folder {root} has {len(classes)} class folder(s) but no images "
            f"({', '.join(IMG_EXTENSIONS[:3])}, ...)."
        )
    return ImageSet(
        str(root), samples, classes, "imagenet-1k" if imagenet else "folder", 1000 if imagenet else len(classes)
    )


def _class_folders(root: Path) -> list[str]:
    """Class sub-folders; a link back to the root (or above it) or to a folder already listed is not a class."""
    real_root, taken, out = root.resolve(), set(), []
    for d in sorted(root.iterdir()):
        if not d.is_dir() or d.name.startswith("."):
            continue
        real = d.resolve()
        if real == real_root or real in real_root.parents or real in taken:
            continue
        taken.add(real)
        out.append(d.name)
    return out


def default_data_root() -> Path:
    """``$INTRIGUING_DATA``, else ``data/`` in the current directory (never a path inside the installed package)."""
    env = os.environ.get("INTRIGUING_DATA")
    return Path(env) if env else Path("data")


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
        raise UserError(
            f"No --data-path given and Imagenette could not be downloaded ({type(e).__name__}); "
            f"put its val split at {root / 'imagenette2' / 'val'} or pass --data-path."
        ) from None
    return root / "imagenette2" / "val"


def evenly_spaced(n: int, limit: Optional[int]) -> list[int]:
    """All of range(n) (``limit`` None), or ``limit`` evenly spaced indices (deterministic, covers every class of
    a sorted set). ``limit`` < 1 is refused: 0 once meant "no limit" here and silently evaluated every image."""
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be at least 1 (or left out for every image); got {limit}.")
    if limit is None or limit >= n:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, num=limit).round().astype(int).tolist()))


def limit_samples(images: ImageSet, limit: Optional[int]) -> ImageSet:
    """Evenly spaced subset for quick runs."""
    idx = evenly_spaced(len(images), limit)
    return ImageSet(
        images.root, [images.samples[i] for i in idx], images.classes, images.label_space, images.num_classes
    )
