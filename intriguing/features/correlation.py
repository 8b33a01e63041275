"""Per-row Pearson correlation between two feature matrices (clean vs. perturbed features of the same images)."""

from __future__ import annotations

import torch


def pearson_rows(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(B,) Pearson r between rows a[i] and b[i] of two (B, D) matrices, over the D feature dimensions, in float64.

    A row with zero variance has no defined correlation: it gets 0 (never NaN, which would poison a mean)."""
    a = a.reshape(a.shape[0], -1).double()
    b = b.reshape(b.shape[0], -1).double()
    a = a - a.mean(1, keepdim=True)
    b = b - b.mean(1, keepdim=True)
    den = (a.square().sum(1) * b.square().sum(1)).sqrt()
    r = (a * b).sum(1) / den.clamp_min(torch.finfo(torch.float64).tiny)
    return torch.where(den > 0, r.clamp(-1.0, 1.0), torch.zeros_like(r))
