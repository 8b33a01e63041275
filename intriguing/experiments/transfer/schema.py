"""The records of ``intriguing transfer``: one row per (model, weights, dataset, mode, features, run), and per
classifier, ways and shots for few-shot; ``--mode per-block`` adds ``block`` and ``measure`` (a linear probe per
block, and each block's class token through the model's own head, scored as classification)."""

from __future__ import annotations

from intriguing.metrics.columns import CLASSIFICATION
from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "transfer",
    keys={
        "model": str,
        "weights": str,
        "dataset": str,
        "mode": str,
        "features": str,
        "blocks": str,
        "patch_mean": int,
        "block": int,
        "measure": str,
        "run": int,
        "classifier": str,
        "ways": int,
        "shots": int,
        "queries": int,
        "episodes": int,
        "split": str,
    },
    # a probe's test top1 and what it chose (lr, weight decay, epoch); few-shot's mean over episodes and its ci95
    metrics={
        **CLASSIFICATION,
        "ci95": float,
        "val_top1": float,
        "top1_last_epoch": float,
        "selection": str,
        "lr": float,
        "weight_decay": float,
        "epoch": int,
        "dim": int,
        "n_train": int,
        "n_val": int,
        "n_test": int,
        "train_views": int,
        "cache": str,
        "seconds": float,
        "extract_s": float,
        "probe_s": float,
    },
)
