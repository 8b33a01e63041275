"""Tables, the tidy per-category file and the model-vs-human style per-category plot, all from records."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from intriguing.experiments.shape_bias.categories import CATEGORIES
from intriguing.metrics.calibration import bins_from_record, reliability_diagram
from intriguing.plots.lines import describe_data
from intriguing.records import format_table, read_manifest, summarize

PER_CATEGORY = "per_category.csv"


def _f(r: dict, col: str) -> float:
    v = r.get(col, "")
    return float(v) if v not in ("", None) else math.nan


def category_rows(records: Sequence[dict]) -> list[dict]:
    """One row per (model, task, category): shape bias / hits (cue-conflict) or accuracy (16-class sets)."""
    out = []
    for r in records:
        for c in CATEGORIES:
            row = {"model": r["model"], "task": r["task"], "category": c}
            if r["task"] == "shape-bias":
                s, t = _f(r, f"shape_hits_{c}"), _f(r, f"texture_hits_{c}")
                row.update(shape_bias=s / (s + t) if s + t > 0 else math.nan, shape_hits=s, texture_hits=t)
            else:
                row["accuracy"] = _f(r, f"accuracy_{c}")
            out.append(row)
    return out


def write_category_csv(rows: Sequence[dict], path: Path) -> Path:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, restval="")
        w.writeheader()
        w.writerows(rows)
    return path


def category_plot(
    records: Sequence[dict], rows: Sequence[dict], task: str, out_path: Path, title: str
) -> Optional[Path]:
    """Categories on the y axis, the fraction of shape decisions (or accuracy) on the x axis, one marker per
    model and category, and each model's overall value as a vertical line (model-vs-human's matrix plot)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    col = "shape_bias" if task == "shape-bias" else "accuracy"
    models = list(dict.fromkeys(r["model"] for r in records if r["task"] == task))
    if not models:
        return None
    fig, ax = plt.subplots(figsize=(7.0, 0.36 * len(CATEGORIES) + 2.2), dpi=110)
    ys = range(len(CATEGORIES))
    markers = "o^sDvP*Xh<>"
    for k, m in enumerate(models):
        colour = f"C{k % 10}"
        vals = {r["category"]: r[col] for r in rows if r["model"] == m and r["task"] == task}
        overall = next(
            _f(r, col if task == "shape-bias" else "top1") for r in records if r["model"] == m and r["task"] == task
        )
        overall = overall / 100 if task != "shape-bias" else overall
        ax.scatter(
            [vals[c] for c in CATEGORIES],
            ys,
            marker=markers[k % len(markers)],
            s=46,
            color=colour,
            edgecolor="black",
            linewidth=0.5,
            zorder=3,
            label=f"{m} ({overall:.2f})",
        )
        ax.axvline(overall, color=colour, lw=1.6, alpha=0.8, zorder=2)
    ax.set_yticks(list(ys), list(CATEGORIES))
    ax.set_ylim(len(CATEGORIES) - 0.5, -0.5)  # first category on top
    ax.set_xlim(-0.02, 1.02)  # markers at 0 and 1 stay whole
    ax.grid(axis="x", alpha=0.3)
    if task == "shape-bias":
        ax.set_xlabel("fraction of 'shape' decisions (shape bias)")
        top = ax.secondary_xaxis("top", functions=(lambda x: 1 - x, lambda x: 1 - x))
        top.set_xlabel("fraction of 'texture' decisions")
        ax.axvline(0.5, color="grey", lw=0.8, ls=":", zorder=1)
        legend_title = "model (shape bias); line = average"
    else:
        ax.set_xlabel("16-class accuracy")
        ax.axvline(1 / len(CATEGORIES), color="grey", lw=1.0, ls="--", zorder=1, label="chance (1/16)")
        legend_title = "model (accuracy); line = overall"
    ax.set_ylabel("shape category" if task == "shape-bias" else "category")
    ax.set_title(title, fontsize=10)
    ax.legend(
        fontsize=8,
        title=legend_title,
        title_fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 if task != "shape-bias" else -0.1),
        ncol=2,
        frameon=False,
    )
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path


def reliability_plot(records: Sequence[dict], out_path: Path, max_models: int = 6) -> Optional[Path]:
    """One reliability diagram per model (``--metrics calibration``): the 16-class decision's confidence (its
    renormalised category probability) against the folder (shape) label. One row: a stimulus set is one condition,
    so the other commands' clean / hardest-condition rows would be the same diagram twice."""
    rows = [r for r in records if str(r.get("calibration_bins", "")).startswith("{")][:max_models]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows), 3.9), dpi=100, squeeze=False)
    for j, r in enumerate(rows):
        title = f"{r['model']}\n{r['task']}: ECE {float(r['ece']):.1f}%, acc {float(r['top1']):.1f}%"
        reliability_diagram(bins_from_record(r["calibration_bins"]), ax=axes[0][j], title=title, legend=j == 0)
    fig.suptitle(
        f"Reliability of the 16-class decision (correct = the folder's shape category)\n"
        f"{describe_data(records, out_path.parent)}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")  # nothing clipped
    plt.close(fig)
    return out_path


def category_table(rows: Sequence[dict], metric: str) -> str:
    """Categories down, one column per model: ``metric`` per category (blank where no stimulus decided it)."""
    models = list(dict.fromkeys(r["model"] for r in rows))
    value = {(r["category"], r["model"]): r[metric] for r in rows}
    cells = [[f"{metric} by category"] + models]
    cells += [[c] + ["" if math.isnan(value[(c, m)]) else f"{value[(c, m)]:.2f}" for m in models] for c in CATEGORIES]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines[:1] + ["  ".join("-" * w for w in widths)] + lines[1:])


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Per-model table, per-category table (also written to per_category.csv) and the per-category plot."""
    out_dir = Path(out_dir)
    rows = category_rows(records)
    path = write_category_csv(rows, out_dir / PER_CATEGORY)
    texts = []
    for task in dict.fromkeys(r["task"] for r in records):
        recs = [r for r in records if r["task"] == task]
        if task == "shape-bias":
            metrics = ["shape_bias", "shape_hits", "texture_hits", "top1"]
            cat_metric = "shape_bias"
        else:
            metrics, cat_metric = ["top1"], "accuracy"
        metrics += [m for m in ("ece", "nll") if any(m in r for r in recs)]  # --metrics calibration
        texts.append(format_table(summarize(recs, ["model", "task", "n"], metrics), ["model", "task", "n"], metrics))
        texts.append(category_table([r for r in rows if r["task"] == task], cat_metric))
        if plot:
            name = "shape_bias.png" if task == "shape-bias" else "accuracy_by_category.png"
            what = "Shape bias on cue-conflict stimuli" if task == "shape-bias" else "16-class accuracy"
            extra = ""
            if task == "shape-bias":
                n = read_manifest(out_dir).get("dataset", {}).get("cue_conflict_images")
                extra = f"{n} with conflicting cues" if n else ""
            p = category_plot(recs, rows, task, out_dir / name, f"{what}\n({describe_data(recs, out_dir, extra)})")
            if p is not None:
                texts.append(f"plot: {p}")
    rel = reliability_plot(records, out_dir / "reliability.png") if plot else None
    if rel:  # run with --metrics calibration
        texts.append(f"plot: {rel}")
    texts.append(f"per-category rows: {path}")
    return "\n\n".join(texts)
