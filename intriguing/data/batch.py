"""The unit every engine pass consumes: decoded pixels per model geometry, labels, global indices.

Its own module so that every source of batches (folders in :mod:`.views`, arrays in :mod:`.arrays`, VOC, torch
datasets) imports it without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class Batch:
    """Decoded pixels per geometry (uint8, B x 3 x H x W), labels, global indices, unreadable paths."""

    views: dict[tuple, torch.Tensor]
    labels: torch.Tensor
    indices: torch.Tensor
    bad_paths: list[str] = field(default_factory=list)
    extras: dict[str, list] = field(default_factory=dict)  # per-image payload of other sources (e.g. VOC masks)

    def __len__(self) -> int:
        return int(self.labels.numel())

    def pin_memory(self) -> Batch:
        """The batch in page-locked memory (the DataLoader's pin thread calls this): a copy to the GPU from pinned
        memory is queued without waiting, one from ordinary memory first waits for the GPU to finish its work."""
        return Batch(
            {g: v.pin_memory() for g, v in self.views.items()},
            self.labels.pin_memory(),
            self.indices.pin_memory(),
            self.bad_paths,
            self.extras,
        )

    def halves(self) -> list[Batch]:
        """The batch split in two (CUDA out-of-memory back-off); global indices keep every per-image draw."""
        m = len(self) // 2
        return [
            Batch(
                {g: v[s] for g, v in self.views.items()},
                self.labels[s],
                self.indices[s],
                extras={k: v[s] for k, v in self.extras.items()},
            )
            for s in (slice(0, m), slice(m, None))
        ]
