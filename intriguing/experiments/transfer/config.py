"""Off-the-shelf transfer of frozen backbones: linear probe, few-shot, per-block accuracy (Naseer et al. 2021).

Modes: ``linear`` trains a linear layer on cached CLS-token features of chosen block sets (the paper's
"ensemble" = the last 4 blocks, concatenated) with hyper-parameters and epoch picked on a validation
split of train, and reports test accuracy once; ``fewshot`` scores seeded N-way K-shot episodes with
nearest-centroid and logistic-regression classifiers (mean ± 95% CI); ``per-block`` scores every
block's class token with the model's own norm + head on an ImageNet-style folder (``--dataset
imagenet``), or with a linear probe per block on a transfer dataset. ``--paper-compat`` reproduces
classify_metadataset.py: max test accuracy over 10 epochs at constant lr, Resize((224, 224)) inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional

from intriguing.errors import UserError
from intriguing.experiments.transfer.fewshot import FewShotConfig
from intriguing.experiments.transfer.probe import ProbeConfig
from intriguing.experiments.transfer.views import PREPROCESS_MODES
from intriguing.options import changed, check_declared, option

MODES = ("linear", "fewshot", "per-block")
IMAGENET = "imagenet"  # per-block: the model's own head on an ImageNet-style folder
DEFAULT_BLOCKS = {"linear": ("last1", "last4"), "fewshot": ("last1", "last4"), "per-block": ("all",)}
DEFAULT_CACHE = "results/feature_cache"
BLOCK_SPEC = re.compile(r"all|last[1-9]\d*|-?\d*:-?\d*(:-?[1-9]\d*)?|-?\d+(,-?\d+)*")


@dataclass
class Config:
    mode: str = option("linear", "linear probe, few-shot episodes, or per-block accuracy", choices=MODES)
    datasets: tuple[str, ...] = option(
        (),
        "transfer datasets (aircraft, cub, dtd, flowers, fungi, gtsrb, places365, "
        "inat2021, food101, pets, cifar100, folder), or imagenet with --mode "
        "per-block (default: folder; per-block: imagenet)",
        flag="--dataset",
    )
    blocks: tuple[str, ...] = option(
        (), "block sets: all | lastN | 8,9,10,11 | a:b (0-based). Default: last1 last4 (per-block: all)"
    )
    patch_mean: bool = option(False, "also concatenate the last block's mean patch token")
    preprocess: Optional[str] = option(
        None,
        "timm: the model's eval crop; squash: Resize((224,224)) (default with --paper-compat)",
        choices=PREPROCESS_MODES,
    )
    train_views: int = option(1, "augmented train views to cache (1 = none)", within="[1, inf)")
    cache_dir: str = option(DEFAULT_CACHE, "feature cache folder ('' = no cache)")
    download: bool = option(False, "let torchvision download datasets it can")
    probe: ProbeConfig = option(ProbeConfig(), "linear probe", cli=False)
    fewshot: FewShotConfig = option(FewShotConfig(), "few-shot", cli=False)
    # filled from the common options
    paper_compat: bool = False
    seed: int = 0
    runs: int = 1

    def __post_init__(self) -> None:
        check_declared(self)
        self.datasets = tuple(d.strip() for item in self.datasets for d in str(item).split(",") if d.strip()) or (
            (IMAGENET,) if self.mode == "per-block" else ("folder",)
        )
        self.blocks = tuple(self.blocks) or DEFAULT_BLOCKS.get(self.mode, ("last1",))
        for spec in self.blocks:  # the syntax now; whether a model has those blocks, when it is loaded
            if not BLOCK_SPEC.fullmatch(str(spec).strip().lower().replace(" ", "")):
                raise UserError(f"--blocks {spec!r}: use all, lastN (N >= 1), a:b or a comma list such as 8,9,10,11.")
        self.preprocess = self.preprocess or ("squash" if self.paper_compat else "timm")
        if self.mode not in MODES:
            raise UserError(f"Unknown --mode {self.mode!r}; use one of {', '.join(MODES)}.")
        if self.preprocess not in PREPROCESS_MODES:
            raise UserError(f"Unknown --preprocess {self.preprocess!r}; use {' or '.join(PREPROCESS_MODES)}.")
        if IMAGENET in self.datasets and self.mode != "per-block":
            raise UserError("--dataset imagenet scores the model's own head, which only --mode per-block does.")
        from intriguing.experiments.transfer.datasets import get_dataset

        for d in self.datasets:
            if d != IMAGENET:
                get_dataset(d)  # unknown names fail now, with near matches

    def train_split(self, dataset: str) -> str:
        """The split probes train on: the original's own train split under --paper-compat where it differs."""
        from intriguing.experiments.transfer.datasets import get_dataset

        return "paper-train" if self.paper_compat and "paper-train" in get_dataset(dataset).splits else "train"


def ignored_options(config: Config) -> list:
    """Sentences naming the options the mode does not read: the probe's in few-shot mode (and in per-block mode on
    ImageNet, scored by the model's own head), the episodes' outside few-shot mode."""
    out = []
    probe = changed(
        config.probe, "epochs", "batch_size", "lrs", "weight_decays", "val_fraction", "final", "paper_epochs"
    )
    probes = config.mode == "linear" or (config.mode == "per-block" and any(d != IMAGENET for d in config.datasets))
    if probe and not probes:
        out.append(
            f"{', '.join(probe)} set the linear probe, which --mode {config.mode}"
            f"{' --dataset imagenet' if config.mode == 'per-block' else ''} does not train: ignored."
        )
    elif probes and config.paper_compat:
        honest = [f for f in probe if f != "--paper-epochs" and f != "--probe-batch-size"]
        if honest:
            out.append(
                f"{', '.join(honest)} set the validated probe, which --paper-compat replaces by the "
                f"original's (lr 5e-4, weight decay 0.05, --paper-epochs): ignored."
            )
    elif probes and "--paper-epochs" in probe:
        out.append("--paper-epochs is read with --paper-compat only: ignored.")
    episodes = changed(config.fewshot, "ways", "shots", "queries", "episodes", "classifiers")
    if episodes and config.mode != "fewshot":
        out.append(
            f"{', '.join(episodes)} set the few-shot episodes, which --mode {config.mode} does not draw: ignored."
        )
    return out


def with_seed(config: Config, run: int) -> ProbeConfig:
    return replace(config.probe, seed=config.seed + run)
