"""The records of ``intriguing train``: a ``train`` row per (model, weights, epoch) with its loss, and a ``val``
row per (model, weights, epoch, head, parameters: the model's or its EMA's)."""

from __future__ import annotations

from intriguing.experiments.train.conditions import Validation
from intriguing.metrics.columns import CI, TOPK
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "train",
    keys={"model": str, "weights": str, **Validation.column_types()},
    metrics={"loss": float, "lr": float, **TOPK, **CI},
)
