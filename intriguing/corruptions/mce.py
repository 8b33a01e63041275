"""Corruption error, mCE and relative mCE normalised by AlexNet (Hendrycks & Dietterich, ICLR 2019).

For a model f and corruption c with top-1 errors E_{s,c} at severities s = 1..5:

    CE_c     = sum_s E_{s,c} / sum_s E^AlexNet_{s,c}
    relCE_c  = sum_s (E_{s,c} - E_clean) / sum_s (E^AlexNet_{s,c} - E^AlexNet_clean)

and mCE / relative mCE average these over the 15 corruptions. The paper publishes AlexNet's error per
corruption averaged over the five severities (not per severity), so CE needs all five severities of a
corruption; corruptions evaluated at fewer severities get no CE. Errors are fractions in [0, 1] here;
results are in percent as in the paper's tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Optional

from intriguing.errors import UserError

SEVERITIES: tuple[int, ...] = (1, 2, 3, 4, 5)

# AlexNet top-1 error on ImageNet-C, mean over severities 1-5, per corruption (as used by the
# ImageNet-C paper's mCE and released with its evaluation code).
ALEXNET_ERRORS: dict[str, float] = {
    "gaussian_noise": 0.886428,
    "shot_noise": 0.894468,
    "impulse_noise": 0.922640,
    "defocus_blur": 0.819880,
    "glass_blur": 0.826268,
    "motion_blur": 0.785948,
    "zoom_blur": 0.798360,
    "snow": 0.866816,
    "frost": 0.826572,
    "fog": 0.819324,
    "brightness": 0.564592,
    "contrast": 0.853204,
    "elastic_transform": 0.646056,
    "pixelate": 0.717840,
    "jpeg_compression": 0.606500,
}
# AlexNet clean top-1 error: 43.48% (torchvision AlexNet, 56.52% top-1), printed as 43.5 in the paper.
ALEXNET_CLEAN_ERROR = 0.43478


def mean_errors(errors: Mapping[tuple[str, int], float]) -> dict[str, float]:
    """Per corruption, the mean error over severities 1-5; corruptions missing a severity are left out."""
    by_c: dict[str, dict[int, float]] = {}
    for (c, s), e in errors.items():
        if not 0.0 <= e <= 1.0:
            raise UserError(f"Error for {c} severity {s} is {e}; errors must be fractions in [0, 1].")
        by_c.setdefault(c, {})[int(s)] = float(e)
    return {c: sum(v.values()) / len(v) for c, v in by_c.items() if set(v) >= set(SEVERITIES)}


def corruption_errors(
    errors: Mapping[tuple[str, int], float],
    clean_error: Optional[float] = None,
    baseline: Optional[Mapping[str, float]] = None,
    baseline_clean: float = ALEXNET_CLEAN_ERROR,
) -> dict[str, dict[str, float]]:
    """Per corruption: mean error, CE and relative CE (percent). CE needs a baseline entry for c."""
    baseline = ALEXNET_ERRORS if baseline is None else baseline
    out: dict[str, dict[str, float]] = {}
    for c, e in mean_errors(errors).items():
        row = {"error": 100.0 * e, "ce": math.nan, "rel_ce": math.nan}
        if c in baseline:
            row["ce"] = 100.0 * e / baseline[c]
            if clean_error is not None:
                row["rel_ce"] = 100.0 * (e - clean_error) / (baseline[c] - baseline_clean)
        out[c] = row
    return out


def mce(
    errors: Mapping[tuple[str, int], float],
    clean_error: Optional[float] = None,
    corruptions: Optional[Sequence[str]] = None,
    baseline: Optional[Mapping[str, float]] = None,
    baseline_clean: float = ALEXNET_CLEAN_ERROR,
) -> dict[str, float]:
    """mCE, relative mCE and mean corruption error (percent) over ``corruptions`` (default: all complete ones).

    ``n_corruptions`` says how many corruptions entered the mean: the paper's mCE uses all 15.
    """
    table = corruption_errors(errors, clean_error, baseline, baseline_clean)
    names = list(corruptions) if corruptions is not None else sorted(table)
    missing = [c for c in names if c not in table]
    if missing:
        raise UserError(f"No complete severities 1-5 for {', '.join(missing)}; cannot compute mCE over them.")

    def avg(key: str) -> float:
        vals = [table[c][key] for c in names]
        return sum(vals) / len(vals) if vals and not any(math.isnan(v) for v in vals) else math.nan

    return {"mce": avg("ce"), "rel_mce": avg("rel_ce"), "mean_error": avg("error"), "n_corruptions": len(names)}
