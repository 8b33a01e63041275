"""The records of ``intriguing lesion``: one row per (model, weights, unit, block, fraction, mode, run)."""

from __future__ import annotations

from intriguing.experiments.lesion.conditions import Lesion
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "lesion", keys={"model": str, "weights": str, **Lesion.column_types()}, metrics={"dropped": float, **CLASSIFICATION}
)  # dropped: the fraction of positions dropped, measured per image
