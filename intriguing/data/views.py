"""Decode once, one uint8 view per model geometry: the dataset, batch and loader every pass uses.

Each image is decoded once and cut into one view per distinct model geometry (input size, crop,
interpolation); models that share a geometry share the pixels. Unreadable images are not dropped
silently: the batch carries their paths, and the run reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import torch
from timm.data.transforms_factory import transforms_imagenet_eval

from intriguing.data.arrays import ArraySet
from intriguing.data.batch import Batch
from intriguing.data.decode import Unreadable, open_rgb
from intriguing.data.folders import ImageSet


def eval_transform(geometry: tuple):
    """timm's own eval pipeline for this geometry (resize to size / crop_pct keeping the aspect ratio, centre crop),
    without normalisation: uint8 tensors, normalised later by each model (``ModelBundle.normalize``)."""
    (_, h, w), crop_pct, interp, crop_mode = geometry
    return transforms_imagenet_eval(
        img_size=(h, w), crop_pct=crop_pct, crop_mode=crop_mode, interpolation=interp, normalize=False
    )


class MultiViewDataset(torch.utils.data.Dataset):
    """Decodes each image once and returns one uint8 view per geometry; unreadable -> ``None``."""

    def __init__(self, samples: Sequence[tuple[str, int]], geometries: Sequence[tuple], offset: int = 0) -> None:
        self.samples = list(samples)
        self.geometries = list(dict.fromkeys(geometries))
        self.transforms = [eval_transform(g) for g in self.geometries]
        self.offset = offset  # global index of samples[0], so resumed runs keep their seeds

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int):
        path, label = self.samples[i]
        try:
            im = open_rgb(path)
        except Unreadable as e:  # reported by the run (path and reason), never silently dropped
            return None, label, self.offset + i, str(e)
        return [t(im) for t in self.transforms], label, self.offset + i, path


def collate(geometries: Sequence[tuple]):
    geometries = list(dict.fromkeys(geometries))

    def _collate(items) -> Batch:
        good = [it for it in items if it[0] is not None]
        bad = [it[3] for it in items if it[0] is None]
        views = {
            g: torch.stack([it[0][k] for it in good]) if good else torch.empty(0, 3, *g[0][1:], dtype=torch.uint8)
            for k, g in enumerate(geometries)
        }
        return Batch(
            views,
            torch.tensor([it[1] for it in good], dtype=torch.long),
            torch.tensor([it[2] for it in good], dtype=torch.long),
            bad,
        )

    return _collate


class Loader:
    """Engine batches of ``batch_size`` images assembled from smaller chunks that the workers decode in parallel.

    A DataLoader worker decodes a whole batch by itself, so the first batch of 512 waits for one worker to decode
    512 images while the others idle; chunks of about ``batch_size / workers`` let every worker decode part of
    every batch (the first batch arrives ``workers`` times sooner). Batches are the same images in the same
    order as with one worker per batch."""

    def __init__(self, ds: MultiViewDataset, batch_size: int, workers: int) -> None:
        self.batch_size = max(1, batch_size)
        self.chunk = max(1, -(-self.batch_size // max(1, workers)))
        self.n = len(ds)
        self.pin = torch.cuda.is_available()
        # a batch of one chunk is pinned by the DataLoader's pin thread; a batch of several is joined straight
        # into pinned memory (_join), so it is copied once on the main thread, not twice
        self.loader = torch.utils.data.DataLoader(
            ds,
            batch_size=self.chunk,
            shuffle=False,
            num_workers=workers,
            collate_fn=collate(ds.geometries),
            pin_memory=self.pin and self.chunk >= self.batch_size,
            persistent_workers=False,
            prefetch_factor=max(2, -(-self.batch_size // self.chunk)) if workers else None,
        )

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self):
        parts: list[Batch] = []
        taken = 0
        for chunk in self.loader:
            parts.append(chunk)
            taken += self.chunk
            if taken >= self.batch_size:
                yield self._join(parts)
                parts, taken = [], 0
        if parts:
            yield self._join(parts)

    def _join(self, parts: list[Batch]) -> Batch:
        if len(parts) == 1:
            return parts[0]

        def cat(tensors: list[torch.Tensor]) -> torch.Tensor:
            if not self.pin:
                return torch.cat(tensors)
            out = torch.empty(
                (sum(len(t) for t in tensors), *tensors[0].shape[1:]), dtype=tensors[0].dtype, pin_memory=True
            )  # pinned (see Batch.pin_memory); torch caches these buffers
            return torch.cat(tensors, out=out)

        return Batch(
            {g: cat([p.views[g] for p in parts]) for g in parts[0].views},
            cat([p.labels for p in parts]),
            cat([p.indices for p in parts]),
            [b for p in parts for b in p.bad_paths],
        )


def make_loader(
    images: ImageSet | ArraySet | Any,
    geometries: Sequence[tuple],
    batch_size: int,
    workers: int,
    start: int = 0,
    stop: Optional[int] = None,
):
    """In-order loader over samples [start, stop) of ``images`` (resuming; one torchrun rank's block)."""
    if not isinstance(images, ImageSet):  # another source (arrays in memory, VOC images with masks)
        return images.loader(geometries, batch_size, workers, start, stop)
    return Loader(MultiViewDataset(images.samples[start:stop], geometries, offset=start), batch_size, workers)
