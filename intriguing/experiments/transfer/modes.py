"""The transfer analysis's three modes, each writing tidy records as soon as a result exists.

Records share ``model, dataset, mode, features, blocks, patch_mean, run`` and a ``top1`` column (test
top-1 in percent; for few-shot the mean over episodes, with ``ci95``). A rerun with the same folder
skips every record already there (resume), and features come from the cache.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import torch

from intriguing.data import imagenette_val, limit_samples, scan_folder
from intriguing.engine import MODEL_ERRORS, EngineOptions, Output, Sweep, model_failed, run_sweep
from intriguing.errors import UserError
from intriguing.experiments.transfer.conditions import OwnHead
from intriguing.experiments.transfer.config import IMAGENET, Config, with_seed
from intriguing.experiments.transfer.extract import (
    ExtractOptions,
    block_sets,
    blocks_label,
    train_test_features,
    union_blocks,
)
from intriguing.experiments.transfer.features import resolve_blocks
from intriguing.experiments.transfer.fewshot import episode_accuracies, mean_ci95, sample_episodes
from intriguing.experiments.transfer.probe import train_probe
from intriguing.features.heads import is_vit, per_block_logits
from intriguing.records.schema import RecordIndex
from intriguing.zoo import ModelBundle

log = logging.getLogger(__name__)


def _extract_options(config: Config, data_path: str | None, limit: int | None) -> ExtractOptions:
    return ExtractOptions(
        data_path=data_path or "",
        preprocess=config.preprocess,
        patch_mean=config.patch_mean,
        limit=limit,
        seed=config.seed,
        cache_dir=config.cache_dir,
        download=config.download,
    )


def _variants(config: Config, bundle: ModelBundle) -> list[tuple[str, tuple[int, ...], bool]]:
    """(label, blocks, with mean patch token) for every scored feature; per-block: one per block."""
    sets = block_sets(bundle, config.blocks)
    if config.mode == "per-block":
        return [(f"block {b}", (b,), False) for b in union_blocks(sets)]
    pms = [False, True] if config.patch_mean and is_vit(bundle.model) else [False]
    return [(label, blocks, pm) for label, blocks in sets.items() for pm in pms]


def run_transfer(
    config: Config,
    dataset: str,
    bundles: Sequence[ModelBundle],
    run_dir,
    opts: EngineOptions,
    data_path: str | None,
    limit: int | None,
) -> tuple[list[dict], dict[str, str]]:
    """Linear probe, few-shot, or per-block linear probe on one transfer dataset for every model."""
    ex = _extract_options(config, data_path, limit)
    records: list[dict] = []
    failed: dict[str, str] = {}
    for bundle in bundles:
        if config.mode == "per-block" and not is_vit(bundle.model):
            model_failed(failed, bundle, UserError("a per-block probe needs a ViT with token blocks."), run_dir)
            continue
        variants = _variants(config, bundle)
        base = {"model": bundle.name, "weights": bundle.weights_id, "dataset": dataset, "mode": config.mode}
        # read once: conditions below are distinct, so new rows never re-match
        recorded = RecordIndex(run_dir.records())
        todo = [
            v
            for v in variants
            if any(not recorded.has(bundle.name, cond, bundle.weights_id) for cond in _conditions(config, base, v))
        ]
        if not todo:
            continue
        blocks = union_blocks({label: b for label, b, _ in variants})
        try:
            feats = train_test_features(
                bundle,
                dataset,
                blocks,
                ex,
                run_dir,
                opts,
                config.train_split(dataset),
                views=config.train_views,
                need_train=config.mode != "fewshot",
            )
        except UserError:
            raise  # bad data / options: one sentence for the whole run
        except MODEL_ERRORS as e:  # one broken model must not sink the others
            model_failed(failed, bundle, e, run_dir)
            continue
        if feats is None:  # torchrun: this rank extracted its share of the images; rank 0 scores and writes
            continue
        hits = "hit" if all(feats["hits"]) else "miss" if not any(feats["hits"]) else "partial"
        log.info(f"{bundle.label} / {dataset}: features {blocks_label(blocks)} ({hits}, {feats['seconds']:.1f}s)")
        for v in todo:
            for cond in _conditions(config, base, v):
                if recorded.has(bundle.name, cond, bundle.weights_id):
                    continue
                row = {**base, **cond, **_score(config, feats, v, cond, opts.device)}
                row.update(extract_s=round(feats["seconds"], 2), cache=hits)
                run_dir.append_records([row])
                records.append(row)
    return records, failed


def _conditions(config: Config, base: dict, variant) -> list[dict]:
    """Record keys of one feature variant: one per run (and per classifier x shots for few-shot)."""
    label, blocks, pm = variant
    common = {**base, "features": label, "blocks": blocks_label(blocks), "patch_mean": int(pm)}
    if config.mode == "per-block":
        common.update(block=blocks[0], measure="linear probe")
    runs = [{**common, "run": r} for r in range(config.runs)]
    if config.mode != "fewshot":
        return runs
    f = config.fewshot
    return [
        {**c, "classifier": clf, "ways": f.ways, "shots": k} for c in runs for clf in f.classifiers for k in f.shots
    ]


def _score(config: Config, feats: dict, variant, cond: dict, device) -> dict:
    _, blocks, pm = variant
    test = feats["test"]
    if config.mode == "fewshot":
        f = config.fewshot
        t0 = time.perf_counter()
        ep = sample_episodes(test.labels, f.ways, cond["shots"], f.queries, f.episodes, config.seed + cond["run"])
        mean, ci = mean_ci95(episode_accuracies(test.select(blocks, pm), ep, cond["classifier"]))
        return {
            "top1": mean,
            "ci95": ci,
            "queries": f.queries,
            "episodes": f.episodes,
            "split": f.split,
            "n_test": len(test.labels),
            "seconds": round(time.perf_counter() - t0, 2),
        }
    r = train_probe(
        [v.select(blocks, pm) for v in feats["train"]],
        feats["train"][0].labels,
        test.select(blocks, pm),
        test.labels,
        with_seed(config, cond["run"]),
        device,
        num_classes=feats["num_classes"],
    )
    return {
        "top1": r.test_acc,
        "val_top1": r.val_acc,
        "top1_last_epoch": r.test_acc_last,
        "selection": r.selection,
        "lr": r.lr,
        "weight_decay": r.weight_decay,
        "epoch": r.epoch,
        "dim": r.feature_dim,
        "n_train": r.n_train,
        "n_val": r.n_val,
        "n_test": r.n_test,
        "train_views": len(feats["train"]),
        "probe_s": round(r.train_seconds, 2),
    }


class PerBlockSweep(Sweep[OwnHead]):
    """Every block's class token through the model's own final norm + head, from one forward per batch."""

    def __init__(self, specs: Sequence[str]) -> None:
        self.specs = specs

    def blocks(self, bundle: ModelBundle) -> tuple[int, ...]:
        return union_blocks({s: resolve_blocks(s, len(bundle.model.blocks)) for s in self.specs})

    def conditions(self, bundle: ModelBundle) -> list[OwnHead]:
        return [OwnHead(IMAGENET, b) for b in self.blocks(bundle)]

    def evaluate(self, bundle: ModelBundle, cond: OwnHead, x01: torch.Tensor, batch) -> Output:
        blocks = self.blocks(bundle)
        # one forward per batch, every block read from it
        logits = self.once("blocks", lambda: per_block_logits(bundle.model, bundle.normalize(x01), blocks))
        return Output(logits[blocks.index(cond.block)])


def per_block_head(
    config: Config,
    bundles: Sequence[ModelBundle],
    run_dir,
    opts: EngineOptions,
    data_path: str | None,
    limit: int | None,
) -> tuple[list[dict], dict[str, str]]:
    """Top-1/top-5 of each block's class token read by the model's own head, over an ImageNet-style folder."""
    images = limit_samples(scan_folder(data_path or imagenette_val()), limit)
    failed: dict[str, str] = {}
    ok, not_applicable = [], {}
    for b in bundles:
        n = getattr(b.model, "num_classes", 0)
        if not is_vit(b.model):  # a CNN has no class token per block: not a failure of the run
            not_applicable[b.label] = "no class token per block (not a ViT)"
        elif n != images.num_classes:
            why = (
                f"its head predicts {n} classes but {images.root} is scored {images.num_classes}-way "
                f"({images.label_space})."
            )
            model_failed(failed, b, UserError(why), run_dir)
        else:
            ok.append(b)
    for name, msg in not_applicable.items():
        log.info(f"skipped {name}: {msg} (not applicable)")
    if not_applicable:
        run_dir.write_manifest(not_applicable=not_applicable)
    log.info(f"per-block: {len(images)} images from {images.root} ({images.label_space})")
    records, bad = run_sweep(PerBlockSweep(config.blocks), ok, images, run_dir, opts) if ok else ([], {})
    failed.update(bad)
    return records, failed
