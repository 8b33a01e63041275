"""A map-style torch ``Dataset`` as an engine data source (the transfer datasets: torchvision classes, CUB, ...).

Items are ``(uint8 C x H x W tensor, label)`` with the view already applied by the dataset, or ``(None, reason)``
for an unreadable file. The engine gets in-order :class:`Batch` objects over items [start, stop) carrying their
global indices, so a resumed pass or one torchrun rank sees exactly the items (and the per-index seeded augmented
views) that one uninterrupted process sees. Every model geometry gets the same pixels: the view is the dataset's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
from torch.utils.data import DataLoader, Dataset, Subset

from intriguing.data.batch import Batch


class _Indexed(Dataset):
    """Item i with its global index attached (a Subset hides it)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, i: int):
        image, label = self.dataset[i]
        return image, label, i


class _Collate:
    """(image, label, index) items -> one Batch; a module-level class so loader workers can pickle it."""

    def __init__(self, geometries: Sequence[tuple]) -> None:
        self.geometries = list(dict.fromkeys(geometries))

    def __call__(self, items: list) -> Batch:
        good = [it for it in items if it[0] is not None]
        bad = [str(it[1]) for it in items if it[0] is None]  # the dataset put the reason in the label slot
        x = torch.stack([it[0] for it in good]) if good else torch.empty(0, 3, 1, 1, dtype=torch.uint8)
        return Batch(
            {g: x for g in self.geometries},
            torch.tensor([int(it[1]) for it in good], dtype=torch.long),
            torch.tensor([it[2] for it in good], dtype=torch.long),
            bad,
        )


class DatasetSource:
    """What :func:`intriguing.engine.core.run_sweep` iterates for a torch dataset; ``root`` names it in records."""

    def __init__(self, dataset: Dataset, root: str) -> None:
        self.dataset, self.root = dataset, root

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def loader(
        self, geometries: Sequence[tuple], batch_size: int, workers: int = 0, start: int = 0, stop: Optional[int] = None
    ) -> DataLoader:
        stop = len(self) if stop is None else stop
        return DataLoader(
            Subset(_Indexed(self.dataset), range(start, stop)),
            batch_size=max(1, batch_size),
            shuffle=False,
            num_workers=workers,
            collate_fn=_Collate(geometries),
            pin_memory=torch.cuda.is_available(),
        )  # Batch.pin_memory: copies that do not wait


__all__: list[str] = ["DatasetSource"]
