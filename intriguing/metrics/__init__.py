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


def build_metrics(names: Sequence[str]) -> List[Metric]:
    """Instantiate the named metrics; 'topk' is always first since every record needs top1/top5."""
    names = ["topk"] + [n for n in names if n != "topk"]
    return [METRICS.get(n)() for n in names]


__all__ = ["METRICS", "Metric", "TopK", "Calibration", "build_metrics"]
