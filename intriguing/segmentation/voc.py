"""PASCAL VOC 2012 segmentation through torchvision's ``VOCSegmentation`` (real devkit layout).

Images are resized to a common ``size x size`` (bilinear, as the original) so batches stack; they
stay in [0, 1] so one decoded batch can be normalised for several models with their own statistics.
Targets stay at their own resolution (default) or, under ``paper_compat``, are resized to
``size x size`` like the original's ``transforms.Resize((512, 512))`` on the palette PNG, which PIL
performs with NEAREST for mode-'P' images.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from intriguing.data.batch import Batch
from intriguing.data.decode import Unreadable, open_rgb
from intriguing.errors import UserError

DEVKIT = Path("VOCdevkit") / "VOC2012"
#: the values a VOC class-index mask may hold: 0 background, 1-20 the classes, 255 void
MASK_VALUES = frozenset(range(21)) | {255}


def voc_root(data_path: str | None) -> str:
    """--data-path, else data/ (where VOCdevkit is looked for)."""
    from intriguing.data import default_data_root

    return data_path or str(default_data_root())


def resolve_voc_root(path: str | Path) -> Path:
    """The folder that holds ``VOCdevkit/VOC2012``; accepts that folder, VOCdevkit or VOC2012 itself."""
    p = Path(path).expanduser()
    for cand in (p, p.parent, p.parent.parent):
        if (cand / DEVKIT / "JPEGImages").is_dir():
            return cand
    raise UserError(
        f"No PASCAL VOC 2012 devkit under {str(path)!r}: expected {DEVKIT}/JPEGImages, "
        "SegmentationClass and ImageSets/Segmentation there (set DATA_PATH to the folder holding VOCdevkit)."
    )


class VOCSegmentationSet(torch.utils.data.Dataset):
    """VOC 2012 ``image_set`` split: items are dicts with image [3,S,S] in [0,1], target, index and name."""

    def __init__(
        self,
        root: str | Path,
        image_set: str = "val",
        size: int = 512,
        paper_compat: bool = False,
        limit: int | None = None,
    ) -> None:
        import torchvision  # local: keep package import cheap

        if size <= 0:
            raise UserError(f"Input size must be positive; got {size}.")
        if limit is not None and limit < 1:
            raise UserError(f"--limit must be at least 1 (or left out for every image); got {limit}.")
        root = resolve_voc_root(root)
        masks = root / DEVKIT / "SegmentationClass"
        if not masks.is_dir():
            raise UserError(f"{masks} is missing: the VOC devkit needs its ground-truth masks there.")
        try:
            self.voc = torchvision.datasets.VOCSegmentation(str(root), year="2012", image_set=image_set)
        except (RuntimeError, ValueError, FileNotFoundError) as e:
            raise UserError(f"Cannot read VOC 2012 split {image_set!r} under {root}: {e}") from None
        check_pairs(self.voc.images, self.voc.masks)
        self.size, self.paper_compat = size, paper_compat
        n = len(self.voc)
        self.count = n if limit is None else min(n, limit)

    def __len__(self) -> int:
        return self.count

    def name(self, index: int) -> str:
        return Path(self.voc.images[index]).stem

    def check_masks(self, indices: Sequence[int]) -> None:
        """Decode the masks of ``indices`` (the images a command will score) and refuse one that is not class
        indices, before anything runs."""
        for i in indices:
            with Image.open(self.voc.masks[i]) as m:
                check_mask_values(self.voc.masks[i], m)

    def __getitem__(self, index: int) -> dict[str, Any]:
        path = self.voc.images[index]
        try:  # the toolkit's one decoder (16-bit images scaled, not clipped), not torchvision's convert("RGB")
            img = open_rgb(path)
        except Unreadable as e:
            raise UserError(f"VOC image {e}; restore it or remove {Path(path).stem} from the split.") from None
        with Image.open(self.voc.masks[index]) as m:
            target = m.copy()  # 'P' (or 'L'): class indices, checked by check_pairs
        check_mask_values(self.voc.masks[index], target)  # library use; the commands check up front
        s = self.size
        image = torch.from_numpy(np.asarray(img.resize((s, s), Image.BILINEAR), dtype=np.uint8).copy())
        if self.paper_compat:
            target = target.resize((s, s), Image.NEAREST)
        return {
            "image": image.permute(2, 0, 1).float().div_(255.0),
            "target": torch.from_numpy(np.asarray(target, dtype=np.uint8).copy()).long(),
            "orig_size": (img.height, img.width),
            "index": index,
            "name": self.name(index),
        }


def check_pairs(images: list, masks: list) -> None:
    """Every image has a readable single-channel mask of its own size (headers only: no decoding)."""
    for img_path, mask_path in zip(images, masks):
        if not Path(mask_path).is_file():
            raise UserError(
                f"VOC mask {mask_path} is missing (listed in the split file); restore it or remove "
                f"{Path(img_path).stem} from the split."
            )
        mode, msize = _header(mask_path, "mask")
        _, isize = _header(img_path, "image")
        if mode not in ("P", "L"):
            raise UserError(
                f"VOC mask {mask_path} is {mode}, not a palette / class-index PNG (0 = background, "
                f"1-20 classes, 255 = void); colour-rendered masks cannot be scored."
            )
        if msize != isize:
            raise UserError(
                f"VOC mask {mask_path} is {msize[0]}x{msize[1]} but its image is {isize[0]}x{isize[1]}; "
                f"a mask must match its image."
            )


def check_mask_values(path: str, mask: Image.Image) -> None:
    """A palette mask converted to greyscale (values such as 38 or 220) would be scored as if those were classes:
    one sentence naming the file instead."""
    counts = mask.histogram()[:256]  # 'P' / 'L': one bin per value
    bad = [v for v, n in enumerate(counts) if n and v not in MASK_VALUES]
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (", ..." if len(bad) > 5 else "")
        raise UserError(
            f"VOC mask {path} holds the value(s) {shown}, which are not class indices (0 = background, "
            f"1-20 classes, 255 = void); it is probably a converted colour mask: restore the original "
            f"palette PNG or remove {Path(path).stem} from the split."
        )


def _header(path: str, what: str) -> tuple:
    """(mode, size) from the file's header only; an unreadable file is one sentence naming it."""
    try:
        with Image.open(path) as im:
            return im.mode, im.size
    except OSError as e:
        raise UserError(
            f"VOC {what} {path} cannot be read ({e}); restore it or remove {Path(path).stem} from the split."
        ) from None


def collate(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack the common-size images; targets (of differing sizes) stay a list."""
    return {
        "image": torch.stack([b["image"] for b in batch]),
        "target": [b["target"] for b in batch],
        "orig_size": [b["orig_size"] for b in batch],
        "index": [b["index"] for b in batch],
        "name": [b["name"] for b in batch],
    }


class VOCSource:
    """VOC images (at the set's input size, uint8) with their masks as an engine data source: one view shared by
    every model (segmentation feeds every model the same input size), ``extras`` = target, index, name."""

    def __init__(self, dataset: VOCSegmentationSet, indices: list) -> None:
        self.dataset, self.indices = dataset, list(indices)
        self.position = {idx: pos for pos, idx in enumerate(self.indices)}  # engine index -> its place in the set
        self.root = ""

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def samples(self) -> list:
        return [(self.dataset.name(i), 0) for i in self.indices]

    def loader(self, geometries, batch_size: int, workers: int = 0, start: int = 0, stop=None):
        subset = torch.utils.data.Subset(self.dataset, self.indices[start:stop])
        geometries = list(dict.fromkeys(geometries))

        def to_batch(items: list) -> Batch:
            d = collate(items)
            pixels = d["image"].mul(255).round_().to(torch.uint8)  # exact: the set decoded uint8 pixels
            return Batch(
                {g: pixels for g in geometries},
                torch.zeros(len(items), dtype=torch.long),
                torch.tensor([self.position[i] for i in d["index"]], dtype=torch.long),
                extras={"target": d["target"], "index": d["index"], "name": d["name"]},
            )

        return torch.utils.data.DataLoader(
            subset,
            batch_size=batch_size,
            shuffle=False,
            num_workers=workers,
            collate_fn=to_batch,
            pin_memory=torch.cuda.is_available(),
        )  # Batch.pin_memory: copies not waiting
