"""The records of ``intriguing shuffle``: one row per (model, weights, grid, run)."""

from __future__ import annotations

from intriguing.experiments.shuffle.conditions import Shuffle
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema("shuffle", keys={"model": str, "weights": str, **Shuffle.column_types()}, metrics=CLASSIFICATION)
