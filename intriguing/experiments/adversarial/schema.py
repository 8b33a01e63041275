"""The records of ``intriguing adversarial``: one row per (model, weights, attack, budget, run), and per source
model and view under ``--transfer``."""

from __future__ import annotations

from intriguing.experiments.adversarial.conditions import Attack
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "adversarial",
    keys={"model": str, "weights": str, **Attack.column_types()},
    metrics={
        "clean_top1": float,
        "success": float,
        "linf_255": float,
        "l2": float,
        "own_clean_top1": float,
        **CLASSIFICATION,
    },
)
