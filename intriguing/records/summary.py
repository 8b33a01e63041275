"""Summaries of records: mean ± std over runs per group, the 95% CI over images, and tables (text, Markdown,
LaTeX).

The CI column (top-1): every record carries a 95% bootstrap interval of its top-1 over images
(``top1_ci_low/high``). What a group shows, and how the column says so (``ci_kind`` in each summary row):

* one run: that run's interval (``top1 95% CI``);
* several runs and per-image outcomes at hand (``per_image=``, as ``intriguing report`` passes): the interval of the
  run-mean itself, resampling images with each image's outcome averaged over the runs (``95% CI (run mean)``) — the
  honest interval of the number in the mean column;
* several runs without per-image outcomes: the per-run bounds averaged, which is *not* an interval of the mean (it is
  the image spread of a typical single run, wider than the run-mean's), so it is labelled ``95% CI (per run)``
  (marked ``†`` when a table mixes both kinds).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Optional

from intriguing.records.schema import RecordSchema

CI = ("top1_ci_low", "top1_ci_high")
CI_HEAD = {"images": "top1 95% CI", "run mean": "95% CI (run mean)", "per run": "95% CI (per run)"}


def group_columns(records: Sequence[dict], schema: RecordSchema) -> list[str]:
    """What a summary of ``records`` groups by: the schema's key columns present, in the records' column order,
    but ``weights`` (a model's label names its weights when it has several) and ``run`` (averaged over)."""
    return [c for c in dict.fromkeys(k for r in records for k in r) if schema.is_key(c) and c not in ("weights", "run")]


def summarize(
    records: Sequence[dict], group_by: Sequence[str], metrics: Sequence[str], per_image: Optional[Sequence[dict]] = None
) -> list[dict]:
    """Mean and sample std over runs for each group (and the top-1 CI, see the module docstring); keeps the groups'
    first-seen order. ``per_image``: per-image rows (``read_per_image``) to give several-run groups the CI of
    their run-mean."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        groups[tuple(r.get(k) for k in group_by)].append(r)
    outcomes = _outcomes(per_image, [k for k in group_by if k != "run"]) if per_image and "top1" in metrics else {}
    out = []
    for key, rows in groups.items():
        row = dict(zip(group_by, key))
        row["runs"] = len(rows)
        for m in list(metrics) + [c for c in CI if "top1" in metrics]:
            vals = [float(r[m]) for r in rows if r.get(m) not in (None, "")]
            mean = sum(vals) / len(vals) if vals else float("nan")
            var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1) if len(vals) > 1 else 0.0
            row[m], row[f"{m}_std"] = mean, math.sqrt(var)
        row["ci_kind"] = "images" if len(rows) == 1 else "per run"
        if len(rows) > 1 and outcomes:
            ci = _run_mean_ci(outcomes, row, [k for k in group_by if k != "run"], len(rows))
            if ci is not None:
                row[CI[0]], row[CI[1]], row["ci_kind"] = ci[0], ci[1], "run mean"
        out.append(row)
    return out


def _outcomes(per_image: Sequence[dict], keys: Sequence[str]) -> dict[tuple, dict[str, list[int]]]:
    """group key (values parsed as records are) -> image -> correct@1 of each run."""
    from intriguing.records.store import parse

    out: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in per_image:
        if all(k in r for k in keys):
            out[tuple(parse(str(r[k])) for k in keys)][str(r["image"])].append(int(r["correct1"]))
    return out


def _run_mean_ci(outcomes: dict[tuple, dict[str, list[int]]], row: dict, keys: Sequence[str], runs: int):
    """The run-mean's CI when every image of the group has an outcome from each run, else None."""
    import numpy as np

    from intriguing.records.stats import run_mean_ci

    images = outcomes.get(tuple(row.get(k) for k in keys))
    if not images or any(len(v) != runs for v in images.values()):
        return None
    return run_mean_ci(np.array(list(images.values())), seed=0)


def _cells(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str], pm: str) -> list[list[str]]:
    cell = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)  # noqa: E731
    body = []
    for r in rows:
        cells = [cell(r.get(c, "")) for c in columns]
        cells += [f"{r[m]:.2f} {pm} {r[m + '_std']:.2f}" if r.get("runs", 1) > 1 else f"{r[m]:.2f}" for m in metrics]
        if _has_ci(rows, metrics):
            lo, hi = r.get(CI[0], float("nan")), r.get(CI[1], float("nan"))
            mark = "†" if r.get("ci_kind") == "per run" and len(_kinds(rows)) > 1 else ""
            cells.append(f"[{lo:.1f}, {hi:.1f}]{mark}" if lo == lo else "")
        body.append(cells)
    return body


def _has_ci(rows: Sequence[dict], metrics: Sequence[str]) -> bool:
    return "top1" in metrics and any(r.get(CI[0]) not in (None, "") and r.get(CI[0]) == r.get(CI[0]) for r in rows)


def _kinds(rows: Sequence[dict]) -> set:
    """The CI kinds of the several-run rows (a one-run row's interval is its run-mean's too)."""
    return {r.get("ci_kind", "per run") for r in rows if r.get("runs", 1) > 1}


def _head(rows: Sequence[dict], columns: Sequence[str], metrics: Sequence[str]) -> list[str]:
    head = list(columns) + list(metrics)
    if _has_ci(rows, metrics):
        kinds = _kinds(rows)
        head.append(
            CI_HEAD["images"]
            if not kinds
            else CI_HEAD[kinds.pop()]
            if len(kinds) == 1
            else "95% CI (run mean; † per run)"
        )
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
    lines = [
        r"\begin{tabular}{" + "l" * len(columns) + "r" * (len(head) - len(columns)) + "}",
        r"\toprule",
        " & ".join(esc(h) for h in head) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(esc(c) if r"$\pm$" not in c else c for c in b) + r" \\" for b in body]
    return "\n".join(lines + [r"\bottomrule", r"\end{tabular}"]) + "\n"


def top1_fraction(record: dict) -> float:
    """Top-1 as the original code's fraction, exactly: the correct count divided once by n (``top1 / 100``
    would give 0.22399999999999998 for 22.4%)."""
    n = int(record["n"])
    return round(float(record["top1"]) * n / 100) / n
