"""Summaries of records: mean and std over runs per group, and aligned text tables."""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Dict, List, Sequence


def summarize(records: Sequence[dict], group_by: Sequence[str], metrics: Sequence[str]) -> List[dict]:
    """Mean and sample std over runs for each group; keeps the groups' first-seen order."""
    groups: Dict[tuple, List[dict]] = defaultdict(list)
    for r in records:
        groups[tuple(r.get(k) for k in group_by)].append(r)
    out = []
    for key, rows in groups.items():
        row = dict(zip(group_by, key))
        row["runs"] = len(rows)
        for m in metrics:
            vals = [float(r[m]) for r in rows if r.get(m) not in (None, "")]
            mean = sum(vals) / len(vals) if vals else float("nan")
            var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1) if len(vals) > 1 else 0.0
            row[m], row[f"{m}_std"] = mean, math.sqrt(var)
        out.append(row)
    return out


def format_table(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str]) -> str:
    """Aligned text table with 'mean ± std' metric cells."""
    head = list(columns) + list(metrics)
    cell = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)  # noqa: E731
    body = [[cell(r.get(c, "")) for c in columns] +
            [f"{r[m]:.2f} ± {r[m + '_std']:.2f}" if r.get("runs", 1) > 1 else f"{r[m]:.2f}" for m in metrics]
            for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])
