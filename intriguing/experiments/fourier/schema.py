"""The records of ``intriguing fourier``: one row per (model, weights, block, frequency)."""

from __future__ import annotations

from intriguing.experiments.fourier.conditions import CleanImages
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "fourier",
    keys={
        "model": str,
        "weights": str,
        **CleanImages.column_types(),
        "block": str,
        "kind": str,
        "index": int,
        "depth": float,
        "freq": float,
    },
    metrics={
        "delta_log_amplitude": float,
        "delta_log_amplitude_std": float,
        "variance": float,
        "variance_std": float,
        "height": int,
        "width": int,
        "n_images": int,
    },
)
