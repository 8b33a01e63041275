"""Read one measured number from a step's records, with its 95% CI where the records allow one.

A measure takes the step's records and manifest, the record name of the model and the published condition (already
restricted to record columns) and returns a :class:`Measured`, or raises :class:`NotMeasured` with the reason (the
model has no such block, the run held no such condition, ...). Every number is computed from ``records.csv`` alone,
so the report can be checked against it; how the CI was made is said in ``ci_kind``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

Z95 = 1.959964


class NotMeasured(Exception):
    """The records hold nothing for this model and condition; the message says why."""


@dataclass(frozen=True)
class Measured:
    value: float
    ci: Optional[tuple[float, float]] = None
    n: Optional[int] = None
    ci_kind: str = ""
    caveat: str = ""  # the number is not the paper's quantity in full (e.g. 3 of 15 corruptions)


def _same(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    except (TypeError, ValueError):
        return str(a) == str(b)


def select(records: Sequence[dict], model: str, condition: Mapping[str, Any]) -> list[dict]:
    """The records of ``model`` matching every key of ``condition`` (numbers compared as numbers)."""
    return [
        r for r in records if r.get("model") == model and all(k in r and _same(r[k], v) for k, v in condition.items())
    ]


def _rows(records: Sequence[dict], model: str, condition: Mapping[str, Any]) -> list[dict]:
    rows = select(records, model, condition)
    if not rows:
        if not any(r.get("model") == model for r in records):
            raise NotMeasured(f"no records of {model}")
        cond = ", ".join(f"{k} {v}" for k, v in condition.items()) or "this condition"
        raise NotMeasured(f"{model} has no records at {cond}")
    return rows


def top1(records: Sequence[dict], manifest: dict, model: str, condition: Mapping[str, Any]) -> Measured:
    """Mean top-1 over runs; its CI over images (one run) or the per-run CIs averaged (several)."""
    rows = _rows(records, model, condition)
    value = sum(float(r["top1"]) for r in rows) / len(rows)
    ci = None
    if all(r.get("top1_ci_low") not in (None, "") for r in rows):
        ci = (
            sum(float(r["top1_ci_low"]) for r in rows) / len(rows),
            sum(float(r["top1_ci_high"]) for r in rows) / len(rows),
        )
    n = int(rows[0]["n"]) if rows[0].get("n") not in (None, "") else None
    kind = "bootstrap over images" if len(rows) == 1 else f"bootstrap over images, averaged over {len(rows)} runs"
    return Measured(value, ci, n, kind if ci else "")


def top1_drop(records: Sequence[dict], manifest: dict, model: str, condition: Mapping[str, Any]) -> Measured:
    """Top-1 under the condition minus clean top-1 (freq-noise), in points; CI half-widths added in quadrature
    (the two are measured on the same images, so this is conservative)."""
    noisy = top1(records, manifest, model, {**condition, "condition": "band_noise"})
    clean = top1(records, manifest, model, {"condition": "clean"})
    ci = None
    if noisy.ci and clean.ci:
        half = math.hypot((noisy.ci[1] - noisy.ci[0]) / 2, (clean.ci[1] - clean.ci[0]) / 2)
        ci = (noisy.value - clean.value - half, noisy.value - clean.value + half)
    return Measured(noisy.value - clean.value, ci, noisy.n, "half-widths in quadrature" if ci else "")


def corr_final(records: Sequence[dict], manifest: dict, model: str, condition: Mapping[str, Any]) -> Measured:
    """Feature correlation of the last block: the class token for ViTs, pooled features for CNNs (the paper's)."""
    rows = _rows(records, model, condition)
    feature = next((f for f in ("cls", "pooled") if any(r.get("feature") == f for r in rows)), None)
    if feature is None:
        raise NotMeasured(f"{model} has neither class-token nor pooled features in the records")
    rows = [r for r in rows if r.get("feature") == feature]
    last = max(int(r["block"]) for r in rows)
    rows = [r for r in rows if int(r["block"]) == last]
    n = int(rows[0]["n"]) if rows[0].get("n") not in (None, "") else None
    return Measured(sum(float(r["corr"]) for r in rows) / len(rows), None, n, "")


def jaccard(records: Sequence[dict], manifest: dict, model: str, condition: Mapping[str, Any]) -> Measured:
    """Mean per-image Jaccard in percent; CI: mean +- 1.96 standard errors over images."""
    rows = [
        r
        for r in _rows(records, model, condition)
        if r.get("jaccard") not in (None, "") and math.isfinite(float(r["jaccard"]))
    ]
    if not rows:
        raise NotMeasured(f"{model} has no scored image")
    vals = [100.0 * float(r["jaccard"]) for r in rows]
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
    half = Z95 * sd / math.sqrt(len(vals))
    return Measured(mean, (mean - half, mean + half), len(vals), "normal approximation over images")


def _wilson(p: float, k: int) -> tuple[float, float]:
    den = 1 + Z95**2 / k
    centre = (p + Z95**2 / (2 * k)) / den
    half = Z95 * math.sqrt(p * (1 - p) / k + Z95**2 / (4 * k * k)) / den
    return centre - half, centre + half


def shape_bias(records: Sequence[dict], manifest: dict, model: str, condition: Mapping[str, Any]) -> Measured:
    """Shape decisions / (shape + texture decisions); Wilson CI over those decisions."""
    rows = [r for r in _rows(records, model, condition) if r.get("task") == "shape-bias"]
    if not rows or rows[0].get("shape_bias") in (None, ""):
        raise NotMeasured(f"{model} made no shape or texture decision on the stimuli scored")
    r = rows[0]
    conflict = int(manifest.get("dataset", {}).get("cue_conflict_images") or 0)
    k = round((float(r["shape_hits"]) + float(r["texture_hits"])) * conflict)
    value = float(r["shape_bias"])
    ci = _wilson(value, k) if k > 0 else None
    return Measured(value, ci, k or None, f"Wilson over {k} shape or texture decisions" if ci else "")


def mce(records: Sequence[dict], manifest: dict, model: str, condition: Mapping[str, Any]) -> Measured:
    """AlexNet-normalised mCE over the corruptions run at all five severities (the paper: all 15)."""
    from intriguing.corruptions.mce import mce as mce_of
    from intriguing.errors import UserError

    rows = _rows(records, model, condition)
    clean = [1 - float(r["top1"]) / 100 for r in rows if r.get("corruption") == "clean"]
    table: dict[tuple[str, int], list[float]] = {}
    for r in rows:
        if r.get("corruption") != "clean":
            table.setdefault((r["corruption"], int(r["severity"])), []).append(1 - float(r["top1"]) / 100)
    errors = {k: sum(v) / len(v) for k, v in table.items()}
    try:
        out = mce_of(errors, clean_error=sum(clean) / len(clean) if clean else None)
    except UserError as e:
        raise NotMeasured(str(e)) from None
    if not out["n_corruptions"] or not math.isfinite(out["mce"]):
        raise NotMeasured(f"{model} has no corruption with all five severities")
    n = int(out["n_corruptions"])
    return Measured(
        out["mce"],
        None,
        int(rows[0]["n"]) if rows[0].get("n") not in (None, "") else None,
        "",
        "" if n == 15 else f"mCE over {n} of the 15 corruptions",
    )


def delta_log_amplitude(records: Sequence[dict], manifest: dict, model: str, condition: Mapping[str, Any]) -> Measured:
    """Delta log amplitude at the highest frequency of the first (``block: stem``) or deepest (``block: last``)
    feature map; CI: +- 1.96 standard errors over images."""
    where = dict(condition)
    which = where.pop("block", "last")
    rows = _rows(records, model, where)
    index = 0 if which == "stem" else max(int(r["index"]) for r in rows)
    rows = [r for r in rows if int(r["index"]) == index]
    r = max(rows, key=lambda r: float(r["freq"]))
    value, n = float(r["delta_log_amplitude"]), int(r.get("n_images") or 0)
    std = float(r.get("delta_log_amplitude_std") or 0.0)
    ci = (value - Z95 * std / math.sqrt(n), value + Z95 * std / math.sqrt(n)) if n > 1 else None
    return Measured(value, ci, n or None, "normal approximation over images" if ci else "")


MEASURES: dict[str, Callable[[Sequence[dict], dict, str, Mapping[str, Any]], Measured]] = {
    "top1": top1,
    "top1_drop": top1_drop,
    "corr_final": corr_final,
    "jaccard": jaccard,
    "shape_bias": shape_bias,
    "mce": mce,
    "delta_log_amplitude": delta_log_amplitude,
}
