"""Images held in arrays (CIFAR-10-C's ``.npy`` files) as an engine data source, like a folder's :class:`ImageSet`.

Each engine batch hands every model geometry the same stored pixels (uint8, B x 3 x H x W); a sweep that needs
another input size resizes on the device (the arrays are already at their final size, so nothing is decoded).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

import numpy as np
import torch

from intriguing.data.batch import Batch


@dataclass
class ArraySet:
    """(N, H, W, 3) uint8 images and (N,) labels; ``root`` names the file for records and per-image rows."""

    root: str
    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @cached_property
    def samples(self) -> list[tuple[str, int]]:
        """(name#row, label) per image: what per-image records call the image."""
        return [(f"{self.root}#{i}", int(y)) for i, y in enumerate(self.labels)]

    def loader(
        self, geometries: Sequence[tuple], batch_size: int, workers: int = 0, start: int = 0, stop: Optional[int] = None
    ) -> ArrayLoader:
        return ArrayLoader(
            self, list(dict.fromkeys(geometries)), batch_size, start, len(self) if stop is None else stop
        )


class ArrayLoader:
    """In-order batches of rows [start, stop) of an :class:`ArraySet` as engine ``Batch`` objects."""

    def __init__(self, data: ArraySet, geometries: list[tuple], batch_size: int, start: int, stop: int) -> None:
        self.data, self.geometries, self.batch_size = data, geometries, max(1, batch_size)
        self.start, self.stop = start, stop

    def __len__(self) -> int:
        return -(-max(0, self.stop - self.start) // self.batch_size)

    def __iter__(self) -> Iterator:
        for i in range(self.start, self.stop, self.batch_size):
            j = min(i + self.batch_size, self.stop)
            x = torch.from_numpy(np.ascontiguousarray(self.data.images[i:j])).permute(0, 3, 1, 2).contiguous()
            batch = Batch(
                {g: x for g in self.geometries},
                torch.from_numpy(np.array(self.data.labels[i:j])).long(),
                torch.arange(i, j, dtype=torch.long),
            )
            yield batch.pin_memory() if torch.cuda.is_available() else batch  # copies to the GPU that do not wait
