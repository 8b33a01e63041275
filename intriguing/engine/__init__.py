"""The one engine pass every loop over data runs through (:mod:`.core`), its accumulators (:mod:`.accumulate`),
per-image outcomes (:mod:`.outcomes`) and pass state on disk (:mod:`.state`)."""
from intriguing.engine.core import (MODEL_ERRORS, EngineOptions, Sweep, describe_failure, drop_model, is_recorded,
                                    model_failed, run_sweep)

__all__ = ["MODEL_ERRORS", "EngineOptions", "Sweep", "describe_failure", "drop_model", "is_recorded", "model_failed",
           "run_sweep"]
