"""Training data: an ImageSet with folder-local labels (0..N-1 in sorted class order, whatever the folder names)
and timm's training transform (``create_transform(is_training=True)``: random-resized crop, flip, RandAugment,
random erasing), decoded with the toolkit's own image decoder."""

from __future__ import annotations

from typing import Any, Optional

import torch
from PIL import Image
from timm.data import create_transform
from timm.data.auto_augment import AugmentOp

from intriguing.data import ImageSet, imagenet_wnids, limit_samples, scan_folder
from intriguing.data.decode import Unreadable, open_rgb
from intriguing.errors import UserError


def folder_labels(root: str, limit: Optional[int] = None) -> ImageSet:
    """``root/<class>/<image>`` with labels 0..N-1 in sorted class order (a 10-class Imagenette stays 10-way)."""
    images = limit_samples(scan_folder(root), limit)
    if images.label_space == "folder":
        return images
    wnids = imagenet_wnids()  # wnid folders were scored 1000-way: back to the folder's own class index
    local = {c: i for i, c in enumerate(images.classes)}
    return ImageSet(
        images.root,
        [(p, local[wnids[label]]) for p, label in images.samples],
        images.classes,
        "folder",
        len(images.classes),
    )


def check_same_classes(train: ImageSet, val: ImageSet) -> None:
    if train.classes != val.classes:
        missing = sorted(set(train.classes) ^ set(val.classes))[:3]
        raise UserError(f"{val.root} and {train.root} must hold the same class folders (differ: {', '.join(missing)}).")


def train_transform(data_config: dict[str, Any], no_aug: bool, auto_augment: str, reprob: float):
    """timm's training pipeline for this model's input size, interpolation and statistics."""
    c = data_config
    if no_aug:  # resize + centre crop only, as the paper's SIN models were trained
        return create_transform(
            c["input_size"],
            is_training=False,
            interpolation=c["interpolation"],
            mean=c["mean"],
            std=c["std"],
            crop_pct=c.get("crop_pct", 0.875),
        )
    return guard_posterize(
        create_transform(
            c["input_size"],
            is_training=True,
            auto_augment=auto_augment or None,
            interpolation="bicubic",
            re_prob=reprob,
            re_mode="pixel",
            re_count=1,
            mean=c["mean"],
            std=c["std"],
        )
    )


def posterize(img: Image.Image, bits_to_keep: int, **_: Any) -> Image.Image:
    """timm's posterize for every bit count its policies draw: RandAugment's ``PosterizeIncreasing`` keeps 0 bits at
    magnitude 10 (reachable with ``mstd``), which current Pillow refuses (13 here); keeping 0 bits is a black image."""
    if bits_to_keep >= 8:
        return img
    if bits_to_keep <= 0:
        return Image.new(img.mode, img.size)  # every bit masked off: zeros
    from PIL import ImageOps

    return ImageOps.posterize(img, int(bits_to_keep))


def guard_posterize(transform: Any) -> Any:
    """Point the posterize ops of timm's auto-augment policy in ``transform`` at :func:`posterize` (a narrower fix
    than pinning an old Pillow: only the 0-bit case differs, and it gives what older Pillow gave: black)."""
    for t in getattr(transform, "transforms", []):
        for op in getattr(t, "ops", []):
            if isinstance(op, AugmentOp) and op.name.startswith("Posterize"):
                op.aug_fn = posterize
    return transform


class TrainSet(torch.utils.data.Dataset):
    """(normalised tensor, label) per sample; an unreadable file is an error naming it (training must not skip)."""

    def __init__(self, images: ImageSet, transform) -> None:
        self.samples: list[tuple[str, int]] = list(images.samples)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int):
        path, label = self.samples[i]
        try:
            img = open_rgb(path)
        except Unreadable as e:  # training must not skip silently: the user removes or replaces the file
            raise UserError(f"Training image {e}; remove or replace it.") from None
        return self.transform(img), label
