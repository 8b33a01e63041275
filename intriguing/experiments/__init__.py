"""The experiment registry: command name -> ``"module:Class"``, imported only when that experiment runs.

Registering checks the ``"module:Class"`` form; loading checks the class (see
:func:`intriguing.experiments.base.check_experiment`). To add an experiment: create
``intriguing/experiments/<name>/`` with its config dataclass and :class:`~.base.Experiment` subclass, then add
one line below.
"""
from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Type

from intriguing.registry import Registry

EXPERIMENTS: Registry[str] = Registry("experiment")
_TARGET = re.compile(r"^[a-z_][\w.]*:[A-Z]\w*$")


def register(name: str, target: str) -> None:
    if not _TARGET.match(target):
        raise ValueError(f"experiment {name!r}: target {target!r} is not 'package.module:Class'")
    EXPERIMENTS.register(name, target)


register("occlusion", "intriguing.experiments.occlusion:OcclusionExperiment")
register("shuffle", "intriguing.experiments.shuffle:ShuffleExperiment")
register("fourier", "intriguing.experiments.fourier:FourierExperiment")
register("freq-noise", "intriguing.experiments.freq_noise:FreqNoiseExperiment")
register("corruption", "intriguing.experiments.corruption:CorruptionExperiment")
register("transfer", "intriguing.experiments.transfer:TransferExperiment")
register("segmentation", "intriguing.experiments.segmentation:SegmentationExperiment")
register("adversarial", "intriguing.experiments.adversarial:AdversarialExperiment")
register("patch", "intriguing.experiments.patch:PatchExperiment")
register("validate", "intriguing.experiments.validate:ValidateExperiment")
register("segmentation-figures", "intriguing.experiments.segmentation_figures:SegmentationFiguresExperiment")
register("shape-bias", "intriguing.experiments.shape_bias:ShapeBiasExperiment")
register("train", "intriguing.experiments.train:TrainExperiment")
register("stylize", "intriguing.experiments.stylize:StylizeExperiment")
register("lesion", "intriguing.experiments.lesion:LesionExperiment")
register("per-block", "intriguing.experiments.per_block:PerBlockExperiment")
register("feature-correlation", "intriguing.experiments.feature_correlation:FeatureCorrelationExperiment")
register("landscape", "intriguing.experiments.landscape:LandscapeExperiment")
register("hessian", "intriguing.experiments.hessian:HessianExperiment")


@lru_cache(maxsize=None)
def get_experiment(name: str) -> Type:
    """The experiment class registered as ``name`` (imported now, checked once)."""
    from intriguing.experiments.base import check_experiment
    module, _, cls = EXPERIMENTS.get(name).partition(":")
    return check_experiment(getattr(importlib.import_module(module), cls), name)
