"""Per-image outcomes of one (model, condition) and the uncertainty drawn from them.

Every image's correct@1 / correct@5 / predicted class / confidence is kept (a few bytes per image), so records
carry a 95% bootstrap confidence interval over images and ``--per-image`` can write the outcomes for paired tests.
For a 0/1 outcome the bootstrap has a closed form: resampling n images with replacement from k correct ones gives
Binomial(n, k/n) correct, so the percentile interval is drawn from that binomial (exact, O(resamples), any n).
"""

from __future__ import annotations

import numpy as np
import torch

FIELDS = ("image", "correct1", "correct5", "pred", "conf")
DTYPES = {"image": np.int64, "correct1": np.bool_, "correct5": np.bool_, "pred": np.int32, "conf": np.float32}
RESAMPLES = 1000


def outcome_tensors(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """One batch's per-image outcomes as tensors on the logits' device (computed without a host read)."""
    logits = logits.detach().float()
    k = min(5, logits.shape[-1])
    top = logits.topk(k, dim=-1).indices
    hit = top.eq(labels.to(top.device).view(-1, 1))
    conf = torch.softmax(logits, dim=-1).max(dim=-1).values
    return {"correct1": hit[:, 0], "correct5": hit.any(dim=1), "pred": top[:, 0].to(torch.int32), "conf": conf}


def host_outcomes(tensors: dict[str, torch.Tensor], indices: torch.Tensor) -> dict[str, np.ndarray]:
    """The outcome arrays of one batch from host copies of :func:`outcome_tensors` and the images' indices."""
    out = {"image": indices.cpu().numpy().astype(np.int64)}
    out.update({f: tensors[f].cpu().numpy().astype(DTYPES[f]) for f in FIELDS[1:]})
    return out


class Outcomes:
    """Outcome arrays grown batch by batch (kept as chunks; concatenated when read)."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []

    def add(self, chunk: dict[str, np.ndarray]) -> None:
        self.chunks.append(chunk)

    def extend(self, other: Outcomes) -> None:
        self.chunks += other.chunks

    def arrays(self) -> dict[str, np.ndarray]:
        if not self.chunks:
            return {f: np.zeros(0, DTYPES[f]) for f in FIELDS}
        return {f: np.concatenate([c[f] for c in self.chunks]).astype(DTYPES[f]) for f in FIELDS}

    def __len__(self) -> int:
        return sum(len(c["image"]) for c in self.chunks)


def bootstrap_ci(correct: np.ndarray, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval (in %) of the mean of a 0/1 array, drawn exactly as Binomial(n, mean)."""
    n = int(correct.size)
    if n == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.binomial(n, float(correct.mean()), size=RESAMPLES) / n
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return 100.0 * float(lo), 100.0 * float(hi)
