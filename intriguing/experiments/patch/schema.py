"""The records of ``intriguing patch``: one row per (model, weights, source model, area, target, run); area 0 is
the clean reference."""

from __future__ import annotations

from intriguing.experiments.patch.conditions import Patched
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "patch",
    keys={"model": str, "weights": str, **Patched.column_types()},
    metrics={"clean_top1": float, "fooled": float, "hit_target": float, **CLASSIFICATION},
)
