"""The records of ``intriguing hessian``: one row per (model, weights, data condition, measure, index), and per
quadrature node for the SLQ density (``node``)."""

from __future__ import annotations

from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "hessian",
    keys={"model": str, "weights": str, "condition": str, "measure": str, "index": int, "node": int},
    metrics={
        "value": float,
        "method": str,
        "images": int,
        "hvps": int,
        "parameters": int,
        "iterations": int,
        "stderr": float,
        "samples": int,
        "weight": float,
        "seconds": float,
    },
)
