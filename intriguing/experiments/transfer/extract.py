"""Cached features of one (model, dataset, split, view) for the transfer analysis.

Every block any requested block set needs is extracted in one pass and cached together (fp16), so
``--blocks last1 last4`` or a per-block probe over all 12 blocks costs one backbone pass per split;
later probes, few-shot runs and reruns read the cache. ``DATA_PATH`` may be the dataset's own root or
a folder holding one sub-folder per dataset name (``DATA_PATH/aircraft``, ``DATA_PATH/cub``, ...).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from intriguing.data.torch_source import DatasetSource
from intriguing.engine.core import EngineOptions
from intriguing.errors import UserError
from intriguing.experiments.transfer.cache import CacheKey, cached_features, checkpoint_id, files_digest
from intriguing.experiments.transfer.datasets import get_dataset, limit_dataset
from intriguing.experiments.transfer.feature_pass import engine_features
from intriguing.experiments.transfer.features import POOLED, FeatureSet, resolve_blocks
from intriguing.experiments.transfer.views import SeededView, build_view, view_geometry
from intriguing.features.heads import is_vit
from intriguing.zoo import ModelBundle

log = logging.getLogger(__name__)


@dataclass
class ExtractOptions:
    """What decides the extracted numbers besides model and split (all of it goes into the cache key)."""

    data_path: str
    preprocess: str = "timm"
    patch_mean: bool = False
    limit: int | None = None
    seed: int = 0
    cache_dir: str = ""
    download: bool = False


def dataset_root(data_path: str | None, name: str) -> Path:
    """``data_path/<name>`` when that folder exists, else ``data_path`` itself."""
    if not data_path:
        raise UserError(
            f"Pass --data-path (or DATA_PATH) pointing at the {name!r} dataset, or at a folder "
            f"holding it as {name}/. Expected layout: {get_dataset(name).layout}"
        )
    root = Path(data_path).expanduser()
    return root / name if (root / name).is_dir() else root


def block_sets(bundle: ModelBundle, specs: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """{label: block indices}; a CNN has one pooled feature whatever was asked."""
    if not is_vit(bundle.model):
        return {"pooled": (POOLED,)}
    depth = len(bundle.model.blocks)
    out: dict[str, tuple[int, ...]] = {}
    for s in specs:
        out.setdefault(s, resolve_blocks(s, depth))
    return out


def blocks_label(blocks: Sequence[int]) -> str:
    """(8, 9, 10, 11) -> '8-11'; (0, 5) -> '0,5'; pooled -> 'pooled' (for records and file names)."""
    if tuple(blocks) == (POOLED,):
        return "pooled"
    b = list(blocks)
    if len(b) > 2 and b == list(range(b[0], b[-1] + 1)):
        return f"{b[0]}-{b[-1]}"
    return ",".join(map(str, b))


def _model_identity(bundle: ModelBundle, seed: int) -> str:
    src = bundle.source or ""
    if src == "random init":  # random weights depend on the seed the CLI set before loading
        return f"random init, seed {seed}"
    return checkpoint_id(src) if src and Path(src).is_file() else src


def split_features(
    bundle: ModelBundle,
    dataset: str,
    split: str,
    blocks: Sequence[int],
    ex: ExtractOptions,
    run_dir,
    opts: EngineOptions,
    view: int = 0,
) -> tuple[FeatureSet | None, bool, float]:
    """(features, cache hit, seconds) of ``split`` for every block in ``blocks``, extracted by an engine pass
    in ``run_dir`` (checkpointed, resumable, sharded under torchrun) unless cached; features are None on torchrun
    ranks other than 0."""
    spec = get_dataset(dataset)
    root = dataset_root(ex.data_path, spec.name)
    geometry = view_geometry(bundle.geometry, ex.preprocess)
    transform, desc = build_view(geometry, view)
    vit = is_vit(bundle.model)
    key = CacheKey(
        model=bundle.name,
        dataset=spec.name,
        split=split,
        blocks=blocks_label(blocks) if vit else "pooled",
        preprocess=desc + f"|mean={list(bundle.data_config['mean'])}|std={list(bundle.data_config['std'])}",
        checkpoint=_model_identity(bundle, ex.seed),
        data_root=str(root.resolve()),
        files=files_digest(str(root.resolve())),
        patch_mean=ex.patch_mean and vit,
        view=view,
        limit=ex.limit,
        seed=ex.seed,
    )

    def compute() -> FeatureSet | None:
        ds = spec.load(root, split, transform=transform if view == 0 else None, download=ex.download)
        ds = limit_dataset(ds, ex.limit)
        if view:
            ds = SeededView(ds, transform, view, ex.seed)
        label = f"{spec.name}/{split}/view {view}"
        fs = engine_features(
            bundle, DatasetSource(ds, str(root)), label, blocks, ex.patch_mean and vit, run_dir, opts
        )  # a CNN beside ViTs under --patch-mean has no patch tokens: its pooled feature
        if fs is None:  # a torchrun rank other than 0: rank 0 holds the merged features
            return None
        fs.meta.update(dataset=spec.name, split=split, view=view, model=bundle.name)
        skipped = fs.meta.get("skipped", [])
        if skipped:
            log.warning(f"{len(skipped)} unreadable image(s) in {spec.name}/{split} were skipped, e.g. {skipped[0]}")
        return fs

    t0 = time.perf_counter()
    fs, hit = cached_features(key, ex.cache_dir or None, compute)
    return fs, hit, time.perf_counter() - t0


def train_test_features(
    bundle: ModelBundle,
    dataset: str,
    blocks: Sequence[int],
    ex: ExtractOptions,
    run_dir,
    opts: EngineOptions,
    train_split: str = "train",
    views: int = 1,
    need_train: bool = True,
) -> dict | None:
    """{'train': [view 0, view 1, ...], 'test': FeatureSet, 'hits': [...], 'seconds': float}; None on torchrun
    ranks other than 0 (they extract their share; rank 0 scores)."""
    out: dict = {"train": [], "hits": [], "seconds": 0.0}
    for view in range(views if need_train else 0):
        fs, hit, sec = split_features(bundle, dataset, train_split, blocks, ex, run_dir, opts, view)
        out["train"].append(fs)
        out["hits"].append(hit)
        out["seconds"] += sec
    fs, hit, sec = split_features(bundle, dataset, "test", blocks, ex, run_dir, opts)
    if fs is None:
        return None
    out.update(test=fs, seconds=out["seconds"] + sec)
    out["hits"].append(hit)
    # the dataset's class count (metadata, not test information): a class absent from a --limit'ed
    # train split still gets an output, so test images of it are scored (wrong) rather than crash
    out["num_classes"] = int(max([int(f.labels.max()) for f in out["train"]] + [int(fs.labels.max())])) + 1
    return out


def union_blocks(sets: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sorted({b for blocks in sets.values() for b in blocks}))
