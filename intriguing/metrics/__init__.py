"""Metric registry: ``--metrics topk,calibration,real`` picks the accumulators each record gets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Optional

from intriguing.annotations.real import RealLabels
from intriguing.metrics.base import Metric
from intriguing.metrics.calibration import Calibration
from intriguing.metrics.real import RealTop1
from intriguing.metrics.topk import TopK
from intriguing.registry import Registry

METRICS: Registry[Callable[..., Metric]] = Registry("metric")
METRICS.register("topk", TopK)
METRICS.register("calibration", Calibration)
METRICS.register("real", RealTop1)


def build_metrics(names: Sequence[str], paper_compat: bool = False, real: Optional[RealLabels] = None) -> list[Metric]:
    """Instantiate the named metrics; 'topk' is always first since every record needs top1/top5.
    ``paper_compat`` selects the original code's calibration binning (10 bins, strict > 0.9); ``real`` is the ReaL
    label set of each image of the pass (built once per pass by the engine for 'real')."""
    names = ["topk"] + [n for n in names if n != "topk"]
    out: list[Metric] = []
    for n in names:
        cls = METRICS.get(n)  # an unknown name: one sentence listing the metrics
        if n == "real":
            if real is None:
                raise ValueError("the 'real' metric needs the pass's ReaL label sets (EngineOptions.real).")
            out.append(RealTop1(real))
        else:
            out.append(Calibration(paper_compat=True) if n == "calibration" and paper_compat else cls())
    return out


__all__ = ["METRICS", "Metric", "TopK", "Calibration", "RealTop1", "build_metrics"]
