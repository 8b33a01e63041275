"""What the engine accumulates per (model, weights, condition): metric states, per-image extras and outcomes.

A batch is first accumulated into a fresh :class:`Accumulator` and merged into the running totals only when every
model has finished that batch, so a checkpoint never holds a partly counted batch (metrics merge by adding their
additive states, :meth:`intriguing.metrics.Metric.merge`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

import torch

from intriguing.engine.outcomes import Outcomes, batch_outcomes, bootstrap_ci
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


class RowReduction(Reduction):
    """Rows the sweep forms itself, kept in pass order (per-image scores, figures written): the records."""

    def __init__(self) -> None:
        self.items: List[dict] = []

    def update(self, output: List[dict], labels: torch.Tensor, indices: torch.Tensor,
               extras: Dict[str, torch.Tensor]) -> None:
        self.items += output

    def merge(self, other: "Reduction") -> None:
        assert isinstance(other, RowReduction)
        self.items += other.items

    def state(self) -> dict:
        return {"rows": self.items}

    def load(self, state: dict) -> None:
        self.items = [dict(r) for r in state["rows"]]

    def rows(self, key: "Key", ci_seed: int) -> List[dict]:
        return list(self.items)


@dataclass
class Accumulator(Reduction):
    metrics: List[Metric]
    means: Dict[str, List[float]] = field(default_factory=dict)  # extras column -> [sum, count]
    outcomes: Outcomes = field(default_factory=Outcomes)

    @classmethod
    def new(cls, names: Sequence[str], paper_compat: bool = False) -> "Accumulator":
        return cls(build_metrics(names, paper_compat))

    def update(self, logits: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor,
               extras: Dict[str, torch.Tensor]) -> None:
        logits = logits.float()
        for m in self.metrics:
            m.update(logits, labels)
        for col, v in extras.items():
            acc = self.means.setdefault(col, [0.0, 0])
            acc[0] += float(v.double().sum())
            acc[1] += int(v.numel())
        self.outcomes.add(batch_outcomes(logits, labels, indices))

    def merge(self, other: "Accumulator") -> None:
        for m, o in zip(self.metrics, other.metrics):
            m.merge(o)
        for col, (s, n) in other.means.items():
            acc = self.means.setdefault(col, [0.0, 0])
            acc[0] += s
            acc[1] += n
        self.outcomes.extend(other.outcomes)

    def state(self) -> dict:
        return {"metrics": [m.state_dict() for m in self.metrics], "means": self.means,
                "outcomes": self.outcomes.arrays()}

    def load(self, state: dict) -> None:
        for m, st in zip(self.metrics, state["metrics"]):
            m.load_state_dict(st)
        self.means = {c: list(v) for c, v in state["means"].items()}
        self.outcomes = Outcomes()
        self.outcomes.add(state["outcomes"])

    def rows(self, key: "Key", ci_seed: int) -> List[dict]:
        return [self.row(key, ci_seed)]

    def row(self, key: Key, ci_seed: int) -> dict:
        """The record: model, weights, condition fields, per-image means, metric columns, 95% CI of top-1."""
        row = {"model": key.model, "weights": key.weights, **key.fields}
        row.update({col: s / n for col, (s, n) in self.means.items() if n})
        for m in self.metrics:
            row.update(m.result())
        row["top1_ci_low"], row["top1_ci_high"] = bootstrap_ci(self.outcomes.arrays()["correct1"], ci_seed)
        return row
