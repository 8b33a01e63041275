"""The records of ``intriguing corruption``: one row per (model, weights, corruption, severity, run); the
clean reference is corruption ``clean``, severity 0."""

from __future__ import annotations

from intriguing.experiments.corruption.conditions import Corrupted
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "corruption", keys={"model": str, "weights": str, **Corrupted.column_types()}, metrics=CLASSIFICATION
)
