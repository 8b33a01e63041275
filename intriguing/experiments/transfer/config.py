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

from dataclasses import dataclass, field, fields, replace
from typing import Dict, List, Tuple

from intriguing.errors import UserError
from intriguing.experiments.transfer.fewshot import FewShotConfig
from intriguing.experiments.transfer.probe import ProbeConfig
from intriguing.experiments.transfer.views import PREPROCESS_MODES
from intriguing.experiments.transfer.report import report  # noqa: F401  (the analysis API: report(records, out_dir, plot))

MODES = ("linear", "fewshot", "per-block")
IMAGENET = "imagenet"  # per-block: the model's own head on an ImageNet-style folder
DEFAULT_BLOCKS = {"linear": ("last1", "last4"), "fewshot": ("last1", "last4"), "per-block": ("all",)}
DEFAULT_CACHE = "results/feature_cache"


@dataclass
class Config:
    mode: str = "linear"
    datasets: Tuple[str, ...] = ("folder",)
    blocks: Tuple[str, ...] = DEFAULT_BLOCKS["linear"]
    patch_mean: bool = False          # also score every block set + the last block's mean patch token
    preprocess: str = "timm"          # timm (the model's eval crop) | squash (the original Resize((224, 224)))
    train_views: int = 1              # >1: augmented views of train (RandomResizedCrop + flip), one per epoch
    cache_dir: str = DEFAULT_CACHE    # '' disables the feature cache
    download: bool = False
    paper_compat: bool = False
    seed: int = 0
    runs: int = 1
    probe: ProbeConfig = field(default_factory=ProbeConfig)
    fewshot: FewShotConfig = field(default_factory=FewShotConfig)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UserError(f"Unknown --mode {self.mode!r}; use one of {', '.join(MODES)}.")
        if self.preprocess not in PREPROCESS_MODES:
            raise UserError(f"Unknown --preprocess {self.preprocess!r}; use {' or '.join(PREPROCESS_MODES)}.")
        if self.train_views < 1:
            raise UserError("--train-views must be at least 1.")
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


def add_arguments(parser) -> None:
    g = parser.add_argument_group("transfer")
    g.add_argument("--mode", default="linear", choices=MODES)
    g.add_argument("--dataset", default=None,
                   help="comma list of transfer datasets (aircraft, cub, dtd, flowers, fungi, gtsrb, places365, "
                        "inat2021, food101, pets, cifar100, folder), or imagenet with --mode per-block")
    g.add_argument("--blocks", nargs="+", default=None,
                   help="block sets: all | lastN | 8,9,10,11 | a:b (0-based). Default: last1 last4 "
                        "(per-block: all)")
    g.add_argument("--patch-mean", action="store_true", help="also concatenate the last block's mean patch token")
    g.add_argument("--preprocess", default=None, choices=PREPROCESS_MODES,
                   help="timm: the model's eval crop; squash: Resize((224,224)) (default with --paper-compat)")
    g.add_argument("--train-views", type=int, default=1, help="augmented train views to cache (1 = none)")
    g.add_argument("--cache-dir", default=DEFAULT_CACHE, help="feature cache folder ('' = no cache)")
    g.add_argument("--download", action="store_true", help="let torchvision download datasets it can")
    p = ProbeConfig()
    g.add_argument("--epochs", type=int, default=p.epochs, help="probe epochs (paper-compat: --paper-epochs)")
    g.add_argument("--paper-epochs", type=int, default=p.paper_epochs)
    g.add_argument("--probe-batch-size", type=int, default=p.batch_size)
    g.add_argument("--lrs", type=float, nargs="+", default=list(p.lrs), help="AdamW learning rates to try")
    g.add_argument("--weight-decays", type=float, nargs="+", default=list(p.weight_decays))
    g.add_argument("--val-fraction", type=float, default=p.val_fraction, help="validation share of train")
    g.add_argument("--final", default=p.final, choices=["refit", "keep"],
                   help="refit on train+val with the chosen settings, or keep the selection run's weights")
    f = FewShotConfig()
    g.add_argument("--ways", type=int, default=f.ways)
    g.add_argument("--shots", type=int, nargs="+", default=list(f.shots))
    g.add_argument("--queries", type=int, default=f.queries)
    g.add_argument("--episodes", type=int, default=f.episodes)
    g.add_argument("--classifiers", nargs="+", default=list(f.classifiers), help="centroid logreg")


def make_config(args) -> Config:
    mode = args.mode
    default_ds = IMAGENET if mode == "per-block" else "folder"
    datasets = tuple(d.strip() for d in (args.dataset or default_ds).split(",") if d.strip())
    probe = ProbeConfig(epochs=args.epochs, batch_size=args.probe_batch_size, lrs=tuple(args.lrs),
                        weight_decays=tuple(args.weight_decays), val_fraction=args.val_fraction, final=args.final,
                        seed=args.seed, paper_compat=args.paper_compat, paper_epochs=args.paper_epochs)
    fewshot = FewShotConfig(ways=args.ways, shots=tuple(args.shots), queries=args.queries, episodes=args.episodes,
                            classifiers=tuple(args.classifiers))
    return Config(mode=mode, datasets=datasets, blocks=tuple(args.blocks or DEFAULT_BLOCKS[mode]),
                  patch_mean=args.patch_mean,
                  preprocess=args.preprocess or ("squash" if args.paper_compat else "timm"),
                  train_views=args.train_views, cache_dir=args.cache_dir, download=args.download,
                  paper_compat=args.paper_compat, seed=args.seed, runs=args.runs, probe=probe, fewshot=fewshot)


def config_identity(config: Config) -> List[str]:
    """Config keys that must match for a results folder to be resumed."""
    return [f.name for f in fields(config) if f.name not in ("cache_dir", "download")]


def load_data(args, config: Config):
    """Datasets are opened per mode inside ``run``; here only check a transfer dataset has a path."""
    if not args.data_path and any(d != IMAGENET for d in config.datasets):
        from intriguing.experiments.transfer.extract import dataset_root
        dataset_root(None, next(d for d in config.datasets if d != IMAGENET))  # raises: says what to pass
    return (args.data_path, args.limit), {"names": list(config.datasets), "root": args.data_path,
                                          "limit": args.limit, "feature_cache": config.cache_dir or "off"}


def out_name(config: Config) -> str:
    return f"transfer_{config.mode.replace('-', '_')}"


def manifest_extras(config: Config) -> dict:
    return {"mode": config.mode,
            "protocol": "paper-compat: max test accuracy over epochs" if config.paper_compat else
            "hyper-parameters and epoch chosen on a validation split of train; test evaluated once"}


def run(config: Config, bundles, data, run_dir, opts) -> Tuple[List[dict], Dict[str, str]]:
    """Run the configured mode for every model and dataset; appends records to ``run_dir``.

    ``data`` is ``load_data``'s (data path, limit)."""
    from intriguing.experiments.transfer import modes
    data_path, limit = data
    failed: Dict[str, str] = {}
    records: List[dict] = []
    for dataset in config.datasets:
        if config.mode == "per-block" and dataset == IMAGENET:
            new, bad = modes.per_block_head(config, bundles, run_dir, opts, data_path, limit)
        else:
            new, bad = modes.run_transfer(config, dataset, bundles, run_dir, opts, data_path, limit)
        records += new
        failed.update(bad)
    return records, failed


def with_seed(config: Config, run: int) -> ProbeConfig:
    return replace(config.probe, seed=config.seed + run)
