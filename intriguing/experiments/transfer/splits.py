"""Seeded stratified train/validation split of a labelled training set (the test split is never involved)."""

from __future__ import annotations

import torch


def stratified_split(labels: torch.Tensor, fraction: float, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(fit_idx, val_idx), sorted, disjoint, covering all of ``labels``.

    Each class sends ``round(fraction * n_c)`` images to validation, at least one when it has two or
    more and never all of them, so every class keeps training images.
    """
    gen = torch.Generator().manual_seed(seed)
    labels = labels.long().cpu()
    fit, val = [], []
    for c in torch.unique(labels).tolist():
        idx = torch.nonzero(labels == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        k = min(max(int(round(fraction * len(idx))), 1 if len(idx) >= 2 else 0), len(idx) - 1)
        val.append(idx[:k])
        fit.append(idx[k:])
    return torch.sort(torch.cat(fit)).values, torch.sort(torch.cat(val)).values
