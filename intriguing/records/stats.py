"""Statistics over images: paired comparisons (``intriguing compare``: McNemar's exact test, a paired bootstrap CI)
and the CI of a run-mean accuracy (:func:`run_mean_ci`).

For two 0/1 outcomes per image the data reduce to the four cell counts (both right, A only, B only, both wrong);
the paired bootstrap resamples images, i.e. draws the four counts from a multinomial with the observed shares —
exact and O(resamples) for any number of images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest


@dataclass(frozen=True)
class Paired:
    n: int
    acc_a: float
    acc_b: float
    diff: float  # acc_a - acc_b, in points
    ci_low: float
    ci_high: float
    a_only: int  # images A gets right and B wrong
    b_only: int
    p_mcnemar: float  # exact two-sided test on the discordant pairs


def paired(a: np.ndarray, b: np.ndarray, seed: int = 0, resamples: int = 10000, level: float = 0.95) -> Paired:
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    n = int(a.size)
    counts = np.array([np.sum(a & b), np.sum(a & ~b), np.sum(~a & b), np.sum(~a & ~b)])
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=resamples)
    diffs = 100.0 * (draws[:, 1] - draws[:, 2]) / n
    lo, hi = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    a_only, b_only = int(counts[1]), int(counts[2])
    p = binomtest(a_only, a_only + b_only, 0.5).pvalue if a_only + b_only else 1.0
    return Paired(
        n,
        float(100 * a.mean()),
        float(100 * b.mean()),
        float(100 * (a.mean() - b.mean())),
        float(lo),
        float(hi),
        a_only,
        b_only,
        float(p),
    )


def run_mean_ci(correct: np.ndarray, seed: int = 0, resamples: int = 10000, level: float = 0.95) -> tuple:
    """95% percentile-bootstrap CI (in %) of the accuracy averaged over runs, resampling images.

    ``correct`` is (images, runs) of 0/1. An image's mean over R runs takes one of R + 1 values, so resampling
    images is drawing those values' counts from a multinomial with the observed shares: exact, O(resamples).
    """
    m = np.asarray(correct, float).mean(axis=1)
    n = m.size
    if n == 0:
        return float("nan"), float("nan")
    values, counts = np.unique(m, return_counts=True)
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=resamples)
    means = draws @ values / n
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return 100.0 * float(lo), 100.0 * float(hi)
