"""The accumulator interface every evaluation metric implements.

State is additive sufficient statistics (counts and sums), so a sweep can checkpoint it mid-pass and
resume exactly, and records are computed once at the end from ``result()``. A batch's statistics are computed on
the logits' device (:meth:`Metric.stats`, no host read) and added to the state later (:meth:`Metric.add`): the
engine copies them to the host without making the GPU wait (:mod:`intriguing.engine.host`).
"""

from __future__ import annotations

from typing import Any, Optional

import torch


def add_states(a: Any, b: Any, keep: tuple[str, ...] = ()) -> Any:
    """Add two additive states: numbers add, lists elementwise, dicts by key; ``keep`` keys are configuration."""
    if isinstance(a, dict):
        return {k: a[k] if k in keep else add_states(a[k], b[k]) for k in a}
    if isinstance(a, list):
        return [add_states(x, y) for x, y in zip(a, b)]
    if isinstance(a, bool) or not isinstance(a, (int, float)):
        return a
    return a + b


class Metric:
    """Accumulates over batches of (logits, labels); ``result`` gives record columns."""

    #: state keys that configure the metric rather than count: kept, not added, when states merge
    config_keys: tuple[str, ...] = ()

    def merge(self, other: Metric) -> None:
        """Add ``other``'s counts to this metric's (a batch committed to the totals, a torchrun rank's part)."""
        self.load_state_dict(add_states(self.state_dict(), other.state_dict(), self.config_keys))

    def update(self, logits: torch.Tensor, labels: torch.Tensor, indices: Optional[torch.Tensor] = None) -> None:
        """Count one batch now (reads the statistics back at once; the engine uses stats / add instead)."""
        self.add({k: v.cpu() for k, v in self.stats(logits, labels, indices).items()})

    def stats(
        self, logits: torch.Tensor, labels: torch.Tensor, indices: Optional[torch.Tensor] = None
    ) -> dict[str, torch.Tensor]:
        """One batch's sufficient statistics as tensors on the logits' device, computed without any host read
        (nothing here may wait for the GPU). ``indices`` (on the host) are the images' indices in the pass, for
        metrics that look images up (ReaL); the others ignore them."""
        raise NotImplementedError

    def add(self, stats: dict[str, torch.Tensor]) -> None:
        """Add one batch's :meth:`stats`, as host tensors, to the state."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:
        raise NotImplementedError

    def result(self) -> dict[str, float]:
        raise NotImplementedError
