"""The records of ``intriguing freq-noise``: one row per (model, weights, noise condition, run); the clean
condition's ``freq`` is empty."""

from __future__ import annotations

from intriguing.experiments.freq_noise.conditions import Band
from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema("freq-noise", keys={"model": str, "weights": str, **Band.column_types()}, metrics=CLASSIFICATION)
