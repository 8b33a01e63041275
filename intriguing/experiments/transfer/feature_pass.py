"""Feature extraction for the transfer analysis as an engine pass (checkpoints, resume, OOM back-off, torchrun).

A :class:`FeatureSweep` has one condition per (dataset, split, view); each batch's chosen-block tokens are kept
by a :class:`FeatureReduction` (fp16, as cached) with the images' global indices, merged batch by batch and across
torchrun ranks in index order, so the features equal those of one uninterrupted process. The pass writes no
records: :meth:`FeatureSweep.finish` takes the whole set, and the caller caches and scores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch

from intriguing.engine import EngineOptions, Output, Reduction, Sweep, run_sweep
from intriguing.engine.accumulate import Key
from intriguing.errors import UserError
from intriguing.experiments.transfer.conditions import Extraction
from intriguing.experiments.transfer.features import FeatureSet, batch_features, has_cls_token
from intriguing.features.heads import is_vit
from intriguing.zoo import ModelBundle


def _cat(parts: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    return torch.cat(parts) if parts else torch.empty(0, dtype=dtype)


class FeatureReduction(Reduction):
    """Every image's tokens (and last-block mean patch token), labels and global index, in pass order."""

    def __init__(self) -> None:
        self.tokens: list[torch.Tensor] = []
        self.patch_mean: list[torch.Tensor] = []
        self.labels: list[torch.Tensor] = []
        self.indices: list[torch.Tensor] = []

    def summarize(self, out: Output, labels: torch.Tensor, indices: torch.Tensor) -> tuple[torch.Tensor, ...]:
        tokens, pm = out.value  # kept in fp16 (as cached): copied back at half the size
        return tokens.to(torch.float16), None if pm is None else pm.to(torch.float16)

    def update(self, summary: tuple[torch.Tensor, ...], labels: torch.Tensor, indices: torch.Tensor) -> None:
        tokens, pm = summary
        self.tokens.append(tokens)
        self.labels.append(labels.long())
        self.indices.append(indices.long())
        if pm is not None:
            self.patch_mean.append(pm)

    def merge(self, other: Reduction) -> None:
        assert isinstance(other, FeatureReduction)
        for mine, theirs in (
            (self.tokens, other.tokens),
            (self.patch_mean, other.patch_mean),
            (self.labels, other.labels),
            (self.indices, other.indices),
        ):
            mine += theirs

    def state(self) -> dict:
        return {
            "tokens": _cat(self.tokens, torch.float16),
            "patch_mean": _cat(self.patch_mean, torch.float16),
            "labels": _cat(self.labels, torch.long),
            "indices": _cat(self.indices, torch.long),
        }

    def load(self, state: dict) -> None:
        self.__init__()
        for name in ("tokens", "patch_mean", "labels", "indices"):
            if state[name].numel():
                getattr(self, name).append(state[name])

    def rows(self, key: Key, ci_seed: int) -> list[dict]:
        return []  # features are not records; FeatureSweep.finish hands them over

    def feature_set(self, blocks: Sequence[int], meta: dict) -> FeatureSet:
        if not self.tokens:
            raise UserError("The dataset gave no images to extract features from.")
        order = torch.argsort(torch.cat(self.indices))  # rank / batch order is index order already; keep it certain
        pm = torch.cat(self.patch_mean)[order] if self.patch_mean else None
        return FeatureSet(torch.cat(self.tokens)[order], torch.cat(self.labels)[order], tuple(blocks), pm, meta)


class FeatureSweep(Sweep[Extraction]):
    """One model's chosen-block features on one (dataset, split, view) source."""

    def __init__(self, label: str, blocks: Sequence[int], patch_mean: bool) -> None:
        self.label, self.blocks, self.patch_mean = label, tuple(blocks), patch_mean
        self.result: Optional[FeatureReduction] = None

    def conditions(self, bundle: ModelBundle) -> list[Extraction]:
        return [Extraction(self.label)]

    def evaluate(self, bundle: ModelBundle, cond: Extraction, x01: torch.Tensor, batch) -> Output:
        return Output(batch_features(bundle.model, bundle.normalize(x01), self.blocks, self.patch_mean))

    def reduction(self, bundle: ModelBundle, cond: Extraction, opts: EngineOptions) -> Reduction:
        return FeatureReduction()

    def finish(self, key: Key, total: Reduction) -> None:
        assert isinstance(total, FeatureReduction)
        self.result = total


def engine_features(
    bundle: ModelBundle, source, label: str, blocks: Sequence[int], patch_mean: bool, run_dir, opts: EngineOptions
) -> Optional[FeatureSet]:
    """The features of every item of ``source`` through one engine pass; None on torchrun ranks other than 0
    (rank 0 holds the merged set and does the scoring)."""
    vit = is_vit(bundle.model)
    if patch_mean and not vit:
        raise UserError("--patch-mean needs a ViT (a model with patch tokens).")
    sweep = FeatureSweep(label, blocks if vit else (-1,), patch_mean and vit)
    before = set(run_dir.manifest.get("skipped_images", []))
    _, failed = run_sweep(sweep, [bundle], source, run_dir, opts)
    if failed:
        raise RuntimeError(failed[bundle.label])  # the caller fails this model only
    if not opts.dist.is_main:
        return None
    if sweep.result is None:
        raise UserError("The dataset gave no images to extract features from.")
    skipped = [p for p in run_dir.manifest.get("skipped_images", []) if p not in before]  # this pass's unreadables
    meta = {
        "token": ("cls" if has_cls_token(bundle.model) else "avg") if vit else "pooled",
        "vit": vit,
        "skipped": skipped,
    }
    return sweep.result.feature_set(sweep.blocks, meta)
