"""The records of ``intriguing per-block``: one row per (model, weights, setting, block, run)."""

from __future__ import annotations

from intriguing.experiments.per_block.conditions import BlockReadout
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "per-block", keys={"model": str, "weights": str, **BlockReadout.column_types()}, metrics=CLASSIFICATION
)
