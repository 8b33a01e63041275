"""The experiment registry: command name -> where its class lives, its one-line summary and the common options it
takes. This module is the single home of ``summary`` and ``accepts``: ``intriguing --help``, the parser of a command
and ``intriguing reproduce``'s plan read them here, so listing the commands imports no experiment.

Registering checks the ``"module:Class"`` form and the option names; loading (:func:`get_experiment`) imports
``intriguing/experiments/<pkg>/experiment.py`` and checks the class (see
:func:`intriguing.experiments.base.check_experiment`, which also refuses a class that carries its own ``summary``
or ``accepts``: a second copy could drift from the one here). To add an experiment: create
``intriguing/experiments/<pkg>/`` with ``config.py``, ``experiment.py`` and its sweep, then add one entry below.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache

from intriguing.options import COMMON_ALL
from intriguing.registry import Registry

_TARGET = re.compile(r"^[a-z_][\w.]*:[A-Z]\w*$")


@dataclass(frozen=True)
class ExperimentInfo:
    """What is known of a command without importing it."""

    name: str
    target: str  # "package.module:Class"
    summary: str
    accepts: frozenset[str]  # the common options it takes; any other is refused by the parser and intriguing.run


EXPERIMENTS: Registry[ExperimentInfo] = Registry("experiment")


def register(name: str, target: str, *, summary: str, accepts: frozenset[str] = COMMON_ALL) -> None:
    """Add command ``name``, implemented by ``target`` (imported only when the command runs)."""
    if not _TARGET.match(target):
        raise ValueError(f"experiment {name!r}: target {target!r} is not 'package.module:Class'")
    if not summary or "\n" in summary:
        raise ValueError(f"experiment {name!r}: summary must be one non-empty line")
    unknown = frozenset(accepts) - COMMON_ALL
    if unknown:
        raise ValueError(f"experiment {name!r}: accepts unknown common options {sorted(unknown)}")
    EXPERIMENTS.register(name, ExperimentInfo(name, target, summary, frozenset(accepts)))


def experiment_info(name: str) -> ExperimentInfo:
    """The registry entry of ``name`` (imports nothing); an unknown name raises UserError listing the known ones."""
    return EXPERIMENTS.get(name)


@cache
def get_experiment(name: str) -> type:
    """The experiment class registered as ``name`` (imported now, checked once)."""
    from intriguing.experiments.base import check_experiment

    info = EXPERIMENTS.get(name)
    module, _, cls = info.target.partition(":")
    return check_experiment(getattr(importlib.import_module(module), cls), name, info.accepts)


# why a command refuses a common option is said beside it: the original code had no such quirk to match
# (paper_compat), the measurement lives in forward hooks or autograd (compile), there is nothing random to repeat
# (runs) or no prediction to score (metrics, per_image)
register(
    "occlusion",
    "intriguing.experiments.occlusion.experiment:OcclusionExperiment",
    summary="PatchDrop: accuracy vs. fraction of patches dropped (random, offset, salient, non-salient)",
)
register(
    "shuffle",
    "intriguing.experiments.shuffle.experiment:ShuffleExperiment",
    summary="patch shuffle: accuracy vs. the grid the image is cut into and permuted",
)
register(
    "fourier",
    "intriguing.experiments.fourier.experiment:FourierExperiment",
    summary="Fourier analysis of feature maps: relative log amplitude and variance per block",
    accepts=COMMON_ALL - {"runs", "metrics"},
)  # nothing random, no predictions scored
register(
    "freq-noise",
    "intriguing.experiments.freq_noise.experiment:FreqNoiseExperiment",
    summary="frequency-band noise: accuracy drop vs. noise frequency",
)
register(
    "corruption",
    "intriguing.experiments.corruption.experiment:CorruptionExperiment",
    summary="ImageNet-C corruptions: accuracy and mCE, on the fly or from pre-rendered sets",
)
register(
    "transfer",
    "intriguing.experiments.transfer.experiment:TransferExperiment",
    summary="off-the-shelf transfer: linear probe, few-shot, per-block accuracy of frozen backbones",
)
register(
    "segmentation",
    "intriguing.experiments.segmentation.experiment:SegmentationExperiment",
    summary="unsupervised segmentation from attention: Jaccard on PASCAL VOC",
    accepts=COMMON_ALL - {"runs", "metrics"},
)  # deterministic; scores masks, not predictions
register(
    "adversarial",
    "intriguing.experiments.adversarial.experiment:AdversarialExperiment",
    summary="FGSM / PGD / AutoAttack robustness vs. epsilon, transfer matrix between models, perturbation pictures",
    # --paper-compat: the original never released attack code; --compile: graphs under autograd are not worth it
    accepts=COMMON_ALL - {"paper_compat", "compile"},
)
register(
    "patch",
    "intriguing.experiments.patch.experiment:PatchExperiment",
    summary="universal adversarial patches: learn one per model and area, fooling rate and transfer between models",
    accepts=COMMON_ALL - {"paper_compat", "compile"},
)  # the original never released patch code
register(
    "validate",
    "intriguing.experiments.validate.experiment:ValidateExperiment",
    summary="clean accuracy on distribution-shift test sets (ImageNet-A/-R/-Sketch/-V2/-C, Stylized) in one table",
    accepts=COMMON_ALL - {"runs", "paper_compat"},
)
register(
    "segmentation-figures",
    "intriguing.experiments.segmentation_figures.experiment:SegmentationFiguresExperiment",
    summary="attention maps and thresholded masks drawn per image (VOC or any image folder)",
    accepts=COMMON_ALL - {"runs", "metrics", "per_image", "no_plot", "compile"},
)  # it only draws
register(
    "shape-bias",
    "intriguing.experiments.shape_bias.experiment:ShapeBiasExperiment",
    summary="shape bias on cue-conflict stimuli and 16-class accuracy (Geirhos et al. 2019, model-vs-human)",
    # deterministic (--seed still seeds NAME=random weights): nothing to repeat, no original-code quirk
    accepts=COMMON_ALL - {"runs", "paper_compat"},
)
register(
    "train",
    "intriguing.experiments.train.experiment:TrainExperiment",
    summary="train timm models (DeiT recipe, distillation token), checkpoint and resume every epoch",
    # --compile: compiled state dicts differ
    accepts=COMMON_ALL - {"runs", "metrics", "paper_compat", "per_image", "compile"},
)
register(
    "stylize",
    "intriguing.experiments.stylize.experiment:StylizeExperiment",
    summary="make a Stylized-ImageNet folder with AdaIN style transfer (one random painting per image)",
    accepts=COMMON_ALL - {"models", "runs", "metrics", "paper_compat", "per_image", "no_plot", "compile"},
)
register(
    "lesion",
    "intriguing.experiments.lesion.experiment:LesionExperiment",
    summary="feature-drop lesion: accuracy when a fraction of the tokens entering block K is dropped",
    accepts=COMMON_ALL - {"compile"},
)  # the lesion lives in forward hooks
register(
    "per-block",
    "intriguing.experiments.per_block.experiment:PerBlockExperiment",
    summary="per-block accuracy: each block's class token through the model's head, clean / dropped / shuffled",
    accepts=COMMON_ALL - {"compile", "paper_compat"},
)  # the released original has no cascade code to match
register(
    "feature-correlation",
    "intriguing.experiments.feature_correlation.experiment:FeatureCorrelationExperiment",
    summary="clean-vs-occluded feature correlation per block (class token, mean patch token, pooled maps)",
    # features come from forward hooks; no original code to match; it measures features, not predictions, so
    # calibration metrics and per-image outcomes (which would hold the occluded prediction, not the
    # correlation) are refused rather than written
    accepts=COMMON_ALL - {"compile", "paper_compat", "metrics", "per_image"},
)
register(
    "landscape",
    "intriguing.experiments.landscape.experiment:LandscapeExperiment",
    summary="loss landscape (NLL + L2) on filter-normalised random directions, 1-D or 2-D",
    accepts=frozenset(
        {
            "models",
            "data_path",
            "batch_size",
            "workers",
            "device",
            "seed",
            "out_dir",
            "paper_compat",
            "no_progress",
            "no_plot",
        }
    ),
)
register(
    "hessian",
    "intriguing.experiments.hessian.experiment:HessianExperiment",
    summary="Hessian spectra: top-k eigenvalues, max eigenvalue per mini-batch, trace, SLQ density (fp32)",
    accepts=frozenset(
        {"models", "data_path", "batch_size", "workers", "device", "seed", "out_dir", "no_progress", "no_plot"}
    ),
)
