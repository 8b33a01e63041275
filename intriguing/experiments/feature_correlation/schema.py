"""The records of ``intriguing feature-correlation``: one row per (model, weights, occlusion, block, feature,
run)."""

from __future__ import annotations

from intriguing.experiments.feature_correlation.conditions import Correlation
from intriguing.metrics.columns import CI, TOPK
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "feature-correlation",
    keys={"model": str, "weights": str, **Correlation.column_types()},
    metrics={"corr": float, **TOPK, **CI},
)  # top-k of the occluded images (the command takes no --metrics)
