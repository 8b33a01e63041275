"""The one engine pass every loop over data runs through (:mod:`.core`): the sweep contract (:mod:`.sweep`), its
conditions (:mod:`.conditions`), accumulators (:mod:`.accumulate`), results copied back behind the GPU
(:mod:`.host`) and per-image outcomes (:mod:`.outcomes`)."""

from intriguing.engine.accumulate import Output, Reduction, RowReduction
from intriguing.engine.conditions import Condition, Grid, blank, internal, optional
from intriguing.engine.core import MODEL_ERRORS, EngineOptions, describe_failure, drop_model, model_failed, run_sweep
from intriguing.engine.sweep import Sweep

__all__ = [
    "MODEL_ERRORS",
    "Condition",
    "EngineOptions",
    "Grid",
    "Output",
    "Reduction",
    "RowReduction",
    "Sweep",
    "blank",
    "describe_failure",
    "drop_model",
    "internal",
    "model_failed",
    "optional",
    "run_sweep",
]
