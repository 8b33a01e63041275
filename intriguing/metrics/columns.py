"""The record columns the metrics write, with their types: the building blocks of the experiments' record schemas
(:class:`intriguing.records.schema.RecordSchema`).

A classification record (the engine's default reduction, :class:`intriguing.engine.accumulate.Accumulator`) holds
:data:`TOPK` and the top-1 interval :data:`CI` always, :data:`CALIBRATION` with ``--metrics calibration`` and
:data:`REAL` with ``--metrics real``; :data:`CLASSIFICATION` is all of them (each optional in a file).
"""

from __future__ import annotations

from intriguing.metrics.real import COLUMNS as REAL_COLUMNS

#: :class:`~intriguing.metrics.topk.TopK` with its default k = 1, 5: images scored, top-k accuracy in percent
TOPK: dict[str, type] = {"n": int, "top1": float, "top5": float}
#: the 95% bootstrap interval of top1 over images (:func:`intriguing.engine.outcomes.bootstrap_ci`)
CI: dict[str, type] = {"top1_ci_low": float, "top1_ci_high": float}
#: :class:`~intriguing.metrics.calibration.Calibration` (``calibration_bins``: the bins as one JSON string)
CALIBRATION: dict[str, type] = {
    "nll": float,
    "brier": float,
    "ece": float,
    "ece_signed": float,
    "acc90": float,
    "unc90": float,
    "freq90": float,
    "calibration_bins": str,
}
#: :class:`~intriguing.metrics.real.RealTop1`
REAL: dict[str, type] = dict(zip(REAL_COLUMNS, (float, int, int, int)))
#: every column a classification record may hold
CLASSIFICATION: dict[str, type] = {**TOPK, **CI, **CALIBRATION, **REAL}

__all__ = ["CALIBRATION", "CI", "CLASSIFICATION", "REAL", "TOPK"]
