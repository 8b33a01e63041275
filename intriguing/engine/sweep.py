"""The contract between an experiment and the engine: a :class:`Sweep` of typed conditions.

An experiment writes its condition (a frozen dataclass, :mod:`intriguing.engine.conditions`) and a sweep:

* :meth:`Sweep.conditions` — the conditions one model is evaluated under; the engine plans them once per model;
* :meth:`Sweep.prepare` — optional per-batch state shared by every model (masks drawn once, corruptions queued);
* :meth:`Sweep.evaluate` — ONE condition on one batch of [0, 1] pixels, returning one :class:`Output`;
* :meth:`Sweep.reduction` — optional: what accumulates a condition's outputs (default: top-k / calibration metrics,
  per-image means of the extras, per-image outcomes; see :class:`~intriguing.engine.accumulate.Reduction`);
* :meth:`Sweep.finish` — optional: takes a result that is not records.

Work several conditions of one model share on one batch (one clean forward, one patch embedding, one forward read
at every block) goes through :meth:`Sweep.once`: made by the first condition that asks, reused by the others,
forgotten when the model has finished the batch. So evaluating conditions one at a time adds no forward pass.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import torch

from intriguing.engine.accumulate import Accumulator, Key, Output, Reduction
from intriguing.engine.conditions import Condition

if TYPE_CHECKING:
    from intriguing.data import Batch
    from intriguing.engine.core import EngineOptions
    from intriguing.zoo import ModelBundle

C = TypeVar("C", bound=Condition)
T = TypeVar("T")


class Sweep(Generic[C]):
    """What an experiment hands the engine: its conditions and how to evaluate one of them on a batch."""

    def conditions(self, bundle: ModelBundle) -> Sequence[C]:
        """Every condition ``bundle`` is evaluated under, in order (called once per model by the engine)."""
        raise NotImplementedError

    def prepare(self, batch: Batch) -> None:
        """Per-batch state shared by all models (e.g. masks); called once per batch (and per half on OOM)."""

    def evaluate(self, bundle: ModelBundle, cond: C, x01: torch.Tensor, batch: Batch) -> Output:
        """``cond`` on [0, 1] pixels ``x01`` (``bundle``'s view of ``batch``, on its device): the logits, with
        per-image extras when the condition has some; a sweep with its own :meth:`reduction` returns whatever
        that reduction takes as ``Output.value``."""
        raise NotImplementedError

    def reduction(self, bundle: ModelBundle, cond: C, opts: EngineOptions) -> Reduction:
        """What accumulates one condition's outputs over the data set and writes its records: by default top-k
        (+ calibration) metrics, per-image means of the extras and per-image outcomes."""
        return Accumulator.new(opts.metrics, opts.paper_compat, opts.real)

    def finish(self, key: Key, total: Reduction) -> None:
        """Called once per finished (model, condition) with its whole-data-set reduction, before the records are
        written (on rank 0 under torchrun, after the ranks are merged): for a sweep whose result is not records
        (e.g. the transfer analysis's features), this is where it takes it."""

    def once(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` the first time ``key`` is asked for while one model evaluates one batch, the same value after
        (work shared by several conditions); the engine forgets these values when the model has finished the
        batch (:meth:`forget`)."""
        shared: dict[Hashable, Any] = self.__dict__.setdefault("_once", {})
        if key not in shared:
            shared[key] = make()
        return shared[key]

    def forget(self) -> None:
        """Drop what :meth:`once` keeps (the engine calls it before and after each model's batch)."""
        self.__dict__["_once"] = {}


__all__ = ["Output", "Sweep"]
