"""Summaries of records: mean ± std over runs per group, the 95% CI over images, and tables (text, Markdown,
LaTeX).

The CI column: every record carries a 95% bootstrap interval of its top-1 over images (``top1_ci_low/high``).
A group of one run shows that interval; a group of several runs shows the per-run intervals' bounds averaged
(labelled ``95% CI (per run)``): the spread over images of a typical run, next to the ± std over runs.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Dict, List, Sequence

CI = ("top1_ci_low", "top1_ci_high")


def summarize(records: Sequence[dict], group_by: Sequence[str], metrics: Sequence[str]) -> List[dict]:
    """Mean and sample std over runs for each group (and the CI bounds); keeps the groups' first-seen order."""
    groups: Dict[tuple, List[dict]] = defaultdict(list)
    for r in records:
        groups[tuple(r.get(k) for k in group_by)].append(r)
    out = []
    for key, rows in groups.items():
        row = dict(zip(group_by, key))
        row["runs"] = len(rows)
        for m in list(metrics) + [c for c in CI if "top1" in metrics]:
            vals = [float(r[m]) for r in rows if r.get(m) not in (None, "")]
            mean = sum(vals) / len(vals) if vals else float("nan")
            var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1) if len(vals) > 1 else 0.0
            row[m], row[f"{m}_std"] = mean, math.sqrt(var)
        out.append(row)
    return out


def _cells(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str], pm: str) -> List[List[str]]:
    cell = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)  # noqa: E731
    body = []
    for r in rows:
        cells = [cell(r.get(c, "")) for c in columns]
        cells += [f"{r[m]:.2f} {pm} {r[m + '_std']:.2f}" if r.get("runs", 1) > 1 else f"{r[m]:.2f}" for m in metrics]
        if _has_ci(rows, metrics):
            lo, hi = r.get(CI[0], float("nan")), r.get(CI[1], float("nan"))
            cells.append(f"[{lo:.1f}, {hi:.1f}]" if lo == lo else "")
        body.append(cells)
    return body


def _has_ci(rows: Sequence[dict], metrics: Sequence[str]) -> bool:
    return "top1" in metrics and any(r.get(CI[0]) not in (None, "") and r.get(CI[0]) == r.get(CI[0]) for r in rows)


def _head(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str]) -> List[str]:
    head = list(columns) + list(metrics)
    if _has_ci(rows, metrics):
        head.append("95% CI (per run)" if any(r.get("runs", 1) > 1 for r in rows) else "top1 95% CI")
    return head


def format_table(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str]) -> str:
    """Aligned text table with 'mean ± std' metric cells and the top-1 CI over images."""
    head, body = _head(rows, columns, metrics), _cells(rows, columns, metrics, "±")
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])


def markdown_table(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str]) -> str:
    head, body = _head(rows, columns, metrics), _cells(rows, columns, metrics, "±")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body]) + "\n"


def latex_table(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str]) -> str:
    """A booktabs tabular (needs \\usepackage{booktabs})."""
    esc = lambda s: s.replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")  # noqa: E731
    head, body = _head(rows, columns, metrics), _cells(rows, columns, metrics, r"$\pm$")
    lines = [r"\begin{tabular}{" + "l" * len(columns) + "r" * (len(head) - len(columns)) + "}", r"\toprule",
             " & ".join(esc(h) for h in head) + r" \\", r"\midrule"]
    lines += [" & ".join(esc(c) if r"$\pm$" not in c else c for c in b) + r" \\" for b in body]
    return "\n".join(lines + [r"\bottomrule", r"\end{tabular}"]) + "\n"


def top1_fraction(record: dict) -> float:
    """Top-1 as the original code's fraction, exactly: the correct count divided once by n (``top1 / 100``
    would give 0.22399999999999998 for 22.4%)."""
    n = int(record["n"])
    return round(float(record["top1"]) * n / 100) / n
