"""The records of ``intriguing shape-bias``: one row per (model, weights, task); the hit and accuracy columns of
each of the 16 categories."""

from __future__ import annotations

from intriguing.experiments.shape_bias.categories import CATEGORIES
from intriguing.experiments.shape_bias.conditions import Task
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

_PER_CATEGORY = {f"{kind}_{c}": float for c in CATEGORIES for kind in ("shape_hits", "texture_hits", "accuracy")}
SCHEMA = RecordSchema(
    "shape-bias",
    keys={"model": str, "weights": str, **Task.column_types()},
    metrics={"shape_hits": float, "texture_hits": float, "shape_bias": float, **_PER_CATEGORY, **CLASSIFICATION},
)
