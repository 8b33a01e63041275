"""The records of ``intriguing landscape``: one row per (model, weights, data condition, grid point)."""

from __future__ import annotations

from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "landscape",
    keys={"model": str, "weights": str, "condition": str, "dims": int, "x": float, "y": float},
    metrics={
        "loss": float,
        "nll": float,
        "l2_term": float,
        "top1": float,
        "weight_norm": float,
        "sum_norms": float,
        "images": int,
        "seconds": float,
    },
)
