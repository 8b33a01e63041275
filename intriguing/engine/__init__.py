"""The one engine pass every loop over data runs through (:mod:`.core`)."""
from intriguing.engine.core import (MODEL_ERRORS, EngineOptions, Sweep, condition_id, describe_failure, drop_model,
                                    is_recorded, run_sweep)

__all__ = ["MODEL_ERRORS", "EngineOptions", "Sweep", "condition_id", "describe_failure", "drop_model", "is_recorded",
           "run_sweep"]
