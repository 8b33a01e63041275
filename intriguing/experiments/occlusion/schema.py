"""The records of ``intriguing occlusion``: one row per (model, weights, drop condition, run)."""

from __future__ import annotations

from intriguing.experiments.occlusion.conditions import Drop
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

# dropped is the condition's fraction of cells dropped (a key, as the drop's other fields); under
# --saliency-rule mass it varies per image and is the per-image mean, still one value per condition
SCHEMA = RecordSchema("occlusion", keys={"model": str, "weights": str, **Drop.column_types()}, metrics=CLASSIFICATION)
