"""The records of ``intriguing segmentation``: one row per (model, weights, token, VOC image)."""

from __future__ import annotations

from intriguing.experiments.segmentation.conditions import Token
from intriguing.records.schema import RecordSchema

# classes, class_iou and best_head are space-separated lists (the image's classes, their IoU, the best head each)
SCHEMA = RecordSchema(
    "segmentation",
    keys={"model": str, "weights": str, **Token.column_types(), "index": int, "image": str},
    metrics={"jaccard": float, "jaccard_mean_head": float, "classes": str, "class_iou": str, "best_head": str},
)
