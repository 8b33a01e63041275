"""The records of ``intriguing validate``: one row per (model, weights, test set)."""

from __future__ import annotations

from intriguing.experiments.validate.conditions import ScoredSet
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "validate", keys={"model": str, "weights": str, **ScoredSet.column_types()}, metrics=CLASSIFICATION
)
