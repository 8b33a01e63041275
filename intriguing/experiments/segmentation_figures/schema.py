"""The records of ``intriguing segmentation-figures``: one row per (model, weights, token, image) drawn."""

from __future__ import annotations

from intriguing.experiments.segmentation_figures.conditions import Token
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "segmentation-figures",
    keys={"model": str, "weights": str, **Token.column_types(), "image": str},
    metrics={"figures": int, "folder": str},
)
