"""The accumulator interface every evaluation metric implements.

State is additive sufficient statistics (counts and sums), so a sweep can checkpoint it mid-pass and
resume exactly, and records are computed once at the end from ``result()``.
"""
from __future__ import annotations

from typing import Dict

import torch


class Metric:
    """Accumulates over batches of (logits, labels); ``result`` gives record columns."""

    def update(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:
        raise NotImplementedError

    def result(self) -> Dict[str, float]:
        raise NotImplementedError
