"""What the engine accumulates per (model, weights, condition): metric states, per-image extras and outcomes.

A batch's outputs reach a :class:`Reduction` only when every model has finished that batch and their host copies
have landed (:class:`~intriguing.engine.host.Landing`), so a checkpoint never holds a partly counted batch; torchrun
ranks' totals merge by adding their additive states (:meth:`intriguing.metrics.Metric.merge`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch

from intriguing.annotations.real import RealLabels
from intriguing.engine.conditions import Condition
from intriguing.engine.outcomes import Outcomes, bootstrap_ci, host_outcomes, outcome_tensors
from intriguing.metrics import Metric, build_metrics
from intriguing.records.schema import norm  # record values compared across a CSV round trip


@dataclass(frozen=True)
class Key:
    """A (model, weights, condition) key, built once per planned condition: hashable, with a stable string."""

    model: str
    weights: str
    cond: Condition

    @property
    def items(self) -> tuple[tuple[str, Any], ...]:
        """The condition's record columns, sorted by name (the records' column order)."""
        return tuple(sorted(self.cond.fields().items()))

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.items)

    @property
    def text(self) -> str:
        return json.dumps([self.model, self.weights, [[k, norm(v)] for k, v in self.items]])


@dataclass
class Output:
    """What :meth:`~intriguing.engine.core.Sweep.evaluate` returns for one condition on one batch.

    ``value``: the logits (B, classes) for the default reduction, or whatever the sweep's own reduction takes;
    ``extras``: record column -> per-image values (B,) that the default reduction averages over the data set
    (e.g. a fraction dropped that varies per image). Tensors may stay on the device: the engine copies them."""

    value: Any
    extras: dict[str, torch.Tensor] = field(default_factory=dict)


class Reduction:
    """What the engine keeps per (model, weights, condition): the outputs of every batch, folded into totals.

    The engine builds one per planned key (:meth:`Sweep.reduction`). Each batch's :class:`Output` goes through
    :meth:`summarize` on the device at once; the engine copies the summary's tensors to the host behind the GPU's
    work and calls :meth:`update` with them when the whole batch is in and its copies have landed (a few batches
    later, or at a checkpoint), in batch order. So a reduction sees host values only, never a partly counted batch,
    and never makes the GPU wait. It saves :meth:`state` at checkpoints (JSON values, numpy arrays and tensors, never
    pickles), :meth:`load` s it on resume, :meth:`merge` s another process's totals (torchrun) and writes
    :meth:`rows` at the end. :class:`Accumulator` is the classification one; Fourier's spectra are another
    (:mod:`intriguing.experiments.fourier.sweep`), :class:`RowReduction` keeps rows a sweep forms itself."""

    def summarize(self, out: Output, labels: torch.Tensor, indices: torch.Tensor) -> Any:
        """Optional, on the device: what of one batch's output :meth:`update` needs (e.g. per-batch sums instead
        of logits), computed without reading anything back (no ``.item()``, ``.cpu()``, boolean index).
        ``labels`` are on the output's device. By default the output itself."""
        return out

    def update(self, summary: Any, labels: torch.Tensor, indices: torch.Tensor) -> None:
        """Add one batch: :meth:`summarize`'s result with its tensors on the host, the batch's labels and image
        indices (host tensors)."""
        raise NotImplementedError

    def merge(self, other: Reduction) -> None:
        """Add ``other``'s totals (another torchrun rank's images, which come after this one's)."""
        raise NotImplementedError

    def state(self) -> dict:
        raise NotImplementedError

    def load(self, state: dict) -> None:
        raise NotImplementedError

    def rows(self, key: Key, ci_seed: int) -> list[dict]:
        raise NotImplementedError


class RowReduction(Reduction):
    """Rows the sweep forms itself, kept in pass order (per-image scores, figures written): the records.

    The sweep's output value is the batch's list of rows, or a structure whose ``rows()`` forms them from values
    copied from the device (segmentation's scored batch): those are read when the engine settles the batch."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def update(self, summary: Output, labels: torch.Tensor, indices: torch.Tensor) -> None:
        value = summary.value
        self.items += value if isinstance(value, list) else value.rows()

    def merge(self, other: Reduction) -> None:
        assert isinstance(other, RowReduction)
        self.items += other.items

    def state(self) -> dict:
        return {"rows": self.items}

    def load(self, state: dict) -> None:
        self.items = [dict(r) for r in state["rows"]]

    def rows(self, key: Key, ci_seed: int) -> list[dict]:
        return list(self.items)


@dataclass
class Accumulator(Reduction):
    """Top-k (+ calibration) metrics, per-image means of the extras and per-image outcomes of one condition.

    :meth:`summarize` computes each batch's metric statistics, extras sums and outcomes on the device; :meth:`update`
    adds their host copies to the totals, in batch order (so every sum is the one a batch-by-batch read gives)."""

    metrics: list[Metric]
    means: dict[str, list[float]] = field(default_factory=dict)  # extras column -> [sum, count]
    outcomes: Outcomes = field(default_factory=Outcomes)

    @classmethod
    def new(cls, names: Sequence[str], paper_compat: bool = False, real: Optional[RealLabels] = None) -> Accumulator:
        return cls(build_metrics(names, paper_compat, real))

    def summarize(self, out: Output, labels: torch.Tensor, indices: torch.Tensor) -> Any:
        logits = out.value.float()
        return (
            [m.stats(logits, labels, indices) for m in self.metrics],  # per metric, then extras, outcomes
            {col: v.double().sum() for col, v in out.extras.items()},
            {col: int(v.numel()) for col, v in out.extras.items()},
            outcome_tensors(logits, labels),
        )

    def update(self, summary: Any, labels: torch.Tensor, indices: torch.Tensor) -> None:
        metric_stats, sums, numels, outcomes = summary
        for m, stats in zip(self.metrics, metric_stats):
            m.add(stats)
        for col, n in numels.items():
            acc = self.means.setdefault(col, [0.0, 0])
            acc[0] += float(sums[col])
            acc[1] += n
        self.outcomes.add(host_outcomes(outcomes, indices))

    def outcome_arrays(self) -> dict[str, np.ndarray]:
        """Every per-image outcome so far."""
        return self.outcomes.arrays()

    def merge(self, other: Reduction) -> None:
        assert isinstance(other, Accumulator)
        for m, o in zip(self.metrics, other.metrics):
            m.merge(o)
        for col, (s, n) in other.means.items():
            acc = self.means.setdefault(col, [0.0, 0])
            acc[0] += s
            acc[1] += n
        self.outcomes.extend(other.outcomes)

    def state(self) -> dict:
        return {
            "metrics": [m.state_dict() for m in self.metrics],
            "means": self.means,
            "outcomes": self.outcomes.arrays(),
        }

    def load(self, state: dict) -> None:
        for m, st in zip(self.metrics, state["metrics"]):
            m.load_state_dict(st)
        self.means = {c: list(v) for c, v in state["means"].items()}
        self.outcomes = Outcomes()
        self.outcomes.add(state["outcomes"])

    def rows(self, key: Key, ci_seed: int) -> list[dict]:
        return [self.row(key, ci_seed)]

    def row(self, key: Key, ci_seed: int) -> dict:
        """The record: model, weights, condition fields, per-image means, metric columns, 95% CI of top-1."""
        row = {"model": key.model, "weights": key.weights, **key.fields}
        row.update({col: s / n for col, (s, n) in self.means.items() if n})
        for m in self.metrics:
            row.update(m.result())
        row["top1_ci_low"], row["top1_ci_high"] = bootstrap_ci(self.outcomes.arrays()["correct1"], ci_seed)
        return row
