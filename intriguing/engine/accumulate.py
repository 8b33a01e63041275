"""What the engine accumulates per (model, weights, condition): metric states, per-image extras and outcomes.

A batch is first accumulated into a fresh :class:`Accumulator` and merged into the running totals only when every
model has finished that batch, so a checkpoint never holds a partly counted batch (metrics merge by adding their
additive states, :meth:`intriguing.metrics.Metric.merge`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Protocol, Sequence, Tuple, Union

import numpy as np
import torch

from intriguing.annotations.real import RealLabels
from intriguing.engine.host import HostCopy
from intriguing.engine.outcomes import Outcomes, bootstrap_ci, host_outcomes, outcome_tensors
from intriguing.metrics import Metric, build_metrics


def norm(v: object) -> str:
    """Compare record values across a CSV round trip (0 == 0.0, '0.1' == 0.1)."""
    try:
        return repr(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)


@dataclass(frozen=True)
class Key:
    """A (model, weights, condition) key, built once per planned condition: hashable, with a stable string."""

    model: str
    weights: str
    items: Tuple[Tuple[str, Any], ...]

    @classmethod
    def of(cls, model: str, weights: str, cond: dict) -> "Key":
        return cls(model, weights, tuple(sorted(cond.items())))

    @property
    def fields(self) -> Dict[str, Any]:
        return dict(self.items)

    @property
    def text(self) -> str:
        return json.dumps([self.model, self.weights, [[k, norm(v)] for k, v in self.items]])


class Reduction:
    """What the engine keeps per (model, weights, condition): fed each batch's output, merged batch by batch.

    The engine builds one per planned key (:meth:`Sweep.reduction`), a fresh one per batch that is merged into it
    only when every model finished the batch, saves :meth:`state` at checkpoints (JSON values and numpy arrays,
    never pickles) and writes :meth:`rows` at the end. :class:`Accumulator` is the classification one; Fourier's
    spectra are another (:mod:`intriguing.experiments.fourier.sweep`)."""

    def update(self, output: Any, labels: torch.Tensor, indices: torch.Tensor,
               extras: Dict[str, torch.Tensor]) -> None:
        raise NotImplementedError

    def merge(self, other: "Reduction") -> None:
        raise NotImplementedError

    def state(self) -> dict:
        raise NotImplementedError

    def load(self, state: dict) -> None:
        raise NotImplementedError

    def rows(self, key: "Key", ci_seed: int) -> List[dict]:
        raise NotImplementedError

    def settle(self, keep: int = 0) -> None:
        """Fold batches whose results are still on their way from the device into the totals, all but the
        last ``keep`` (a reduction that reads its outputs at once has nothing to fold)."""


class PendingRows(Protocol):
    """Rows whose values are still on their way from the device (:class:`~intriguing.engine.host.HostCopy`)."""

    def rows(self) -> List[dict]:
        """The rows, once the copies have landed (waits for them)."""


class RowReduction(Reduction):
    """Rows the sweep forms itself, kept in pass order (per-image scores, figures written): the records.

    A sweep yields a list of rows, or a :class:`PendingRows` whose values are still being copied from the GPU: those
    are read when the engine settles the batch (two batches later) or at a checkpoint, so the batch loop never
    waits for the GPU to finish the batch it has just queued."""

    def __init__(self) -> None:
        self.items: List[dict] = []
        self.queued: List[Union[List[dict], PendingRows]] = []

    def update(self, output: Union[List[dict], PendingRows], labels: torch.Tensor, indices: torch.Tensor,
               extras: Dict[str, torch.Tensor]) -> None:
        self.queued.append(output)

    def settle(self, keep: int = 0) -> None:
        done = max(0, len(self.queued) - keep)
        for out in self.queued[:done]:
            self.items += out if isinstance(out, list) else out.rows()
        del self.queued[:done]

    def merge(self, other: "Reduction") -> None:
        assert isinstance(other, RowReduction)
        if not other.items:  # the engine's per-batch reduction: keep its output queued, in order
            self.queued += other.queued
            return
        self.settle()  # a torchrun rank's settled rows come after everything before
        other.settle()
        self.items += other.items

    def state(self) -> dict:
        self.settle()
        return {"rows": self.items}

    def load(self, state: dict) -> None:
        self.items, self.queued = [dict(r) for r in state["rows"]], []

    def rows(self, key: "Key", ci_seed: int) -> List[dict]:
        self.settle()
        return list(self.items)


@dataclass
class Accumulator(Reduction):
    """Top-k (+ calibration) metrics, per-image means of the extras and per-image outcomes of one condition.

    :meth:`update` reads nothing back from the GPU: each batch's statistics are computed on the device and their
    host copies queued (:class:`~intriguing.engine.host.HostCopy`); :meth:`settle` adds them to the totals, in
    batch order (so every sum is the one a batch-by-batch read would give), when the state or the records are
    needed."""

    metrics: List[Metric]
    means: Dict[str, List[float]] = field(default_factory=dict)  # extras column -> [sum, count]
    outcomes: Outcomes = field(default_factory=Outcomes)
    queued: List[Tuple[HostCopy, torch.Tensor, Dict[str, int]]] = field(default_factory=list)

    @classmethod
    def new(cls, names: Sequence[str], paper_compat: bool = False, real: Optional[RealLabels] = None) -> "Accumulator":
        return cls(build_metrics(names, paper_compat, real))

    def update(self, logits: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor,
               extras: Dict[str, torch.Tensor]) -> None:
        logits = logits.float()
        groups = [m.stats(logits, labels, indices) for m in self.metrics]  # per metric, then extras, outcomes
        groups += [{col: v.double().sum() for col, v in extras.items()}, outcome_tensors(logits, labels)]
        self.queued.append((HostCopy(groups), indices, {col: int(v.numel()) for col, v in extras.items()}))

    def settle(self, keep: int = 0) -> None:
        """Add the queued batches but the last ``keep`` to the totals, in order (waits for their copies)."""
        done = max(0, len(self.queued) - keep)
        for copy, indices, numels in self.queued[:done]:
            *metric_stats, sums, outcomes = copy.get()
            for m, stats in zip(self.metrics, metric_stats):
                m.add(stats)
            for col, n in numels.items():
                acc = self.means.setdefault(col, [0.0, 0])
                acc[0] += float(sums[col])
                acc[1] += n
            self.outcomes.add(host_outcomes(outcomes, indices))
        self.queued = self.queued[done:]

    def outcome_arrays(self) -> Dict[str, np.ndarray]:
        """Every per-image outcome so far (settled first)."""
        self.settle()
        return self.outcomes.arrays()

    def merge(self, other: "Accumulator") -> None:
        if not other.outcomes.chunks:  # only queued batches (the engine's per-batch one): keep them queued
            self.queued += other.queued
            return
        self.settle()  # settled counts (a torchrun rank's part): add them after everything before, in order
        other.settle()
        for m, o in zip(self.metrics, other.metrics):
            m.merge(o)
        for col, (s, n) in other.means.items():
            acc = self.means.setdefault(col, [0.0, 0])
            acc[0] += s
            acc[1] += n
        self.outcomes.extend(other.outcomes)

    def state(self) -> dict:
        self.settle()
        return {"metrics": [m.state_dict() for m in self.metrics], "means": self.means,
                "outcomes": self.outcomes.arrays()}

    def load(self, state: dict) -> None:
        for m, st in zip(self.metrics, state["metrics"]):
            m.load_state_dict(st)
        self.means = {c: list(v) for c, v in state["means"].items()}
        self.outcomes = Outcomes()
        self.outcomes.add(state["outcomes"])
        self.queued = []

    def rows(self, key: "Key", ci_seed: int) -> List[dict]:
        return [self.row(key, ci_seed)]

    def row(self, key: Key, ci_seed: int) -> dict:
        """The record: model, weights, condition fields, per-image means, metric columns, 95% CI of top-1."""
        self.settle()
        row = {"model": key.model, "weights": key.weights, **key.fields}
        row.update({col: s / n for col, (s, n) in self.means.items() if n})
        for m in self.metrics:
            row.update(m.result())
        row["top1_ci_low"], row["top1_ci_high"] = bootstrap_ci(self.outcomes.arrays()["correct1"], ci_seed)
        return row
