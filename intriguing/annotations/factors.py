"""ImageNet-X error ratios of per-image errors, with percentile-bootstrap CIs over images.

The definition is the package's (``imagenet_x/aggregate.py``: ``compute_factor_accuracies`` then ``error_ratio``):
over the annotated images, a factor's accuracy is the share of correct predictions among the images annotated with
it, ``average`` the accuracy over all of them, and the error ratio ``(1 - accuracy_factor) / (1 - average)``: above
1, the model errs more often on images with that factor than on the images overall. With several runs of a condition
an image's error is its share of wrong runs (with one run, exactly the package's 0/1 errors).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

RESAMPLES = 1000
_CHUNK = 100  # bootstrap resamples drawn at once: (chunk, images) counts, 40 MB for all 50,000 val images


@dataclass(frozen=True)
class ErrorRatios:
    """One (model, condition): per factor (in the annotations' order) images, errors, error rate and ratio."""

    n: int  # annotated images
    overall: float  # error rate over them (share)
    images: np.ndarray  # (factors,) images annotated with the factor
    errors: np.ndarray  # (factors,) errors among them (runs averaged)
    ratio: np.ndarray  # (factors,) error ratio; NaN without images or without any error overall
    ci_low: np.ndarray
    ci_high: np.ndarray


def _ratios(counts: np.ndarray, errors: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Error ratios for each row of image weights ``counts`` (resamples x images)."""
    n = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        overall = (counts @ errors)[:, None] / n
        rate = (counts @ (errors[:, None] * factors)) / (counts @ factors)
        return np.where(overall > 0, rate / overall, np.nan)


def error_ratios(
    errors: np.ndarray, factors: np.ndarray, seed: int = 0, resamples: int = RESAMPLES, level: float = 0.95
) -> ErrorRatios:
    """Error ratios of per-image ``errors`` (images,) in [0, 1] under ``factors`` (images, factors) 0/1, with the
    percentile interval of ``resamples`` bootstrap resamples of the images (one draw shared by every factor)."""
    errors = np.asarray(errors, float)
    factors = np.asarray(factors, float)
    n = errors.size
    ratio = _ratios(np.ones((1, n)), errors, factors)[0]
    rng = np.random.default_rng(seed)
    draws = []
    for start in range(0, resamples, _CHUNK):
        k = min(_CHUNK, resamples - start)
        picks = rng.integers(0, n, size=(k, n)) + n * np.arange(k)[:, None]  # row r draws images into r*n + i
        draws.append(_ratios(np.bincount(picks.ravel(), minlength=k * n).reshape(k, n).astype(float), errors, factors))
    with warnings.catch_warnings():  # a factor no resample holds (or no error at all): its interval is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(np.concatenate(draws), [(1 - level) / 2, (1 + level) / 2], axis=0)
    return ErrorRatios(
        n, float(errors.mean()) if n else float("nan"), factors.sum(axis=0).astype(int), errors @ factors, ratio, lo, hi
    )


def rank(result: ErrorRatios, names: tuple[str, ...], min_images: int, top: int = 3) -> list:
    """The ``top`` (factor, ratio) pairs with the highest error ratios among factors with ``min_images`` images."""
    ok = [
        (names[j], float(result.ratio[j]))
        for j in range(len(names))
        if result.images[j] >= min_images and np.isfinite(result.ratio[j])
    ]
    return sorted(ok, key=lambda p: -p[1])[:top]
