"""Metric registry: ``--metrics topk,calibration`` picks the accumulators each record gets."""
from __future__ import annotations

from typing import Callable, List, Sequence

from intriguing.registry import Registry
from intriguing.metrics.base import Metric
from intriguing.metrics.calibration import Calibration
from intriguing.metrics.topk import TopK

METRICS: Registry[Callable[[], Metric]] = Registry("metric")
METRICS.register("topk", TopK)
METRICS.register("calibration", Calibration)


def build_metrics(names: Sequence[str], paper_compat: bool = False) -> List[Metric]:
    """Instantiate the named metrics; 'topk' is always first since every record needs top1/top5.
    ``paper_compat`` selects the original code's calibration binning (10 bins, strict > 0.9)."""
    names = ["topk"] + [n for n in names if n != "topk"]
    return [Calibration(paper_compat=True) if n == "calibration" and paper_compat else METRICS.get(n)() for n in names]


__all__ = ["METRICS", "Metric", "TopK", "Calibration", "build_metrics"]
