"""A fixed, seeded set of mini-batches, decoded once and kept in memory for every grid point / HVP.

Park & Kim measure the landscape on *augmented training* batches. Here the images are a seeded random
draw of ``batches x batch_size`` images of the data folder (decoded once by :func:`intriguing.data.make_loader`,
one view per model geometry), and the augmentation is a pure tensor function of (seed, image index):
a random crop of the image zero-padded by 1/8 of its side (4 px at CIFAR's 32 px, as in the standard
CIFAR recipe) and a random horizontal flip. The same draw serves every model and grid point, so all
grid points see identical pixels; ``clean`` uses the un-augmented views.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from intriguing.curvature.choices import DATA_CONDITIONS
from intriguing.data import Batch, ImageSet, make_loader
from intriguing.errors import UserError
from intriguing.seeding import generator, per_image_uniform


def select_images(images: ImageSet, batches: int, batch_size: int, seed: int) -> ImageSet:
    """A seeded random subset of ``batches * batch_size`` images, in draw order (no repeats)."""
    n = batches * batch_size
    if n > len(images):
        raise UserError(
            f"{batches} batches of {batch_size} need {n} images but {images.root} has {len(images)}; "
            f"lower --batches or --batch-size."
        )
    order = torch.randperm(len(images), generator=generator(seed, "curvature-images"))[:n].tolist()
    return ImageSet(
        images.root, [images.samples[i] for i in order], images.classes, images.label_space, images.num_classes
    )


def decode(images: ImageSet, geometries: Sequence[tuple], batch_size: int, workers: int) -> list[Batch]:
    """Every batch of ``images`` decoded once (uint8, one view per geometry); unreadable images are an error,
    since a fixed batch set that silently shrank would change the measured function."""
    out = list(make_loader(images, geometries, batch_size, workers))
    bad = [p for b in out for p in b.bad_paths]
    if bad:
        raise UserError(f"{len(bad)} image(s) could not be read, e.g. {bad[0]}; remove them or pick another seed.")
    return out


def crop_flip(x01: torch.Tensor, indices: torch.Tensor, seed: int, pad: int | None = None) -> torch.Tensor:
    """Random crop of the zero-padded image (offset in [0, 2 * pad] per axis) and random horizontal flip.

    Each image's draw depends only on (seed, its index): not on the batch it sits in or the model.
    """
    b, _, h, w = x01.shape
    pad = max(1, round(min(h, w) / 8)) if pad is None else pad
    u = per_image_uniform(indices, 3, seed, "crop-flip").to(x01.device)
    dy = (u[:, 0] * (2 * pad + 1)).long().clamp_(max=2 * pad)
    dx = (u[:, 1] * (2 * pad + 1)).long().clamp_(max=2 * pad)
    flip = u[:, 2] < 0.5
    padded = F.pad(x01, (pad, pad, pad, pad))
    rows = dy[:, None] + torch.arange(h, device=x01.device)[None, :]  # (B, H)
    cols = dx[:, None] + torch.arange(w, device=x01.device)[None, :]  # (B, W)
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    bi = torch.arange(b, device=x01.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[bi, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()


def tensors(
    batches: Sequence[Batch], geometry: tuple, condition: str, seed: int, device: torch.device
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(x01 float on ``device``, labels) per batch for one geometry and data condition."""
    if condition not in DATA_CONDITIONS:
        raise ValueError(f"unknown data condition {condition!r}")
    out = []
    for b in batches:
        x = b.views[geometry].to(device).float().div_(255)
        if condition == "augmented":
            x = crop_flip(x, b.indices.to(device), seed)
        out.append((x, b.labels.to(device)))
    return out
