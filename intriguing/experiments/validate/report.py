"""Report of ``intriguing validate``: one table (models x test sets, top-1; text, Markdown, LaTeX), a detailed
table (top-1 / top-5 / calibration per set; ImageNet-C: the mean over its corruption / severity folders, detail in
``imagenet_c.md``), a grouped bar plot and, with ``--metrics calibration``, reliability diagrams (the first set on
top, each model's hardest folder below) -- all from records.csv."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, summarize
from intriguing.records.summary import latex_table, markdown_table

METRICS = ("top1", "real_top1", "top5", "ece", "nll")


def per_set(records: Sequence[dict]) -> list[dict]:
    """(model, dataset) rows; ImageNet-C folders averaged (top-1 'mean over N folders', images summed)."""
    metrics = [m for m in METRICS if any(r.get(m) not in (None, "") for r in records)]
    out = []
    for r in summarize(records, ["model", "dataset", "kind"], metrics):
        rows = [x for x in records if x["model"] == r["model"] and x["dataset"] == r["dataset"]]
        r["n"] = sum(int(x["n"]) for x in rows)
        r["folders"] = len(rows)
        r["runs"] = 1  # averages over folders, not repeated runs: no ± std
        if len(rows) == 1:
            r["top1_ci_low"], r["top1_ci_high"] = rows[0].get("top1_ci_low"), rows[0].get("top1_ci_high")
        else:
            r["top1_ci_low"] = r["top1_ci_high"] = float("nan")
        out.append(r)
    return out


def wide(rows: Sequence[dict]) -> list[dict]:
    """Models x data sets, top-1."""
    table: dict[str, dict] = {}
    for r in rows:
        table.setdefault(r["model"], {"model": r["model"]})[r["dataset"]] = r["top1"]
    return list(table.values())


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    out_dir = Path(out_dir)
    metrics = [m for m in METRICS if any(r.get(m) not in (None, "") for r in records)]
    rows = per_set(records)
    sets = list(dict.fromkeys(r["dataset"] for r in rows))
    grid = wide(rows)
    for r in grid:  # the wide table shows top-1 only: one number per cell
        r["runs"] = 1
    text = "top-1 (%) per test set (ImageNet-A / -R: 200-way; ImageNet-C: mean over its folders)\n"
    text += format_table(grid, ["model"], sets)
    (out_dir / "summary.md").write_text(markdown_table(grid, ["model"], sets))
    (out_dir / "summary.tex").write_text(latex_table(grid, ["model"], sets))
    cols = ["model", "dataset", "kind", "folders", "n"]
    text += "\n\n" + format_table(rows, cols, metrics)
    (out_dir / "details.md").write_text(markdown_table(rows, cols, metrics))
    c_rows = [r for r in records if r.get("kind") == "imagenet-c"]
    if c_rows:
        c = summarize(c_rows, ["model", "dataset", "subset"], metrics)
        (out_dir / "imagenet_c.md").write_text(markdown_table(c, ["model", "dataset", "subset"], metrics))
    if plot:
        text += f"\nplot: {bar_plot(rows, sets, out_dir / 'validate.png')}"
        # the first set given (ImageNet val in the usual call) on top, each model's hardest folder below
        first = records[0]["dataset"] if records else None
        rel = reliability_figure(
            records, out_dir / "reliability.png", ["dataset", "subset"], clean=lambda r: r["dataset"] == first
        )
        if rel:
            text += f"\nplot: {rel}"
    return text


def bar_plot(rows: Sequence[dict], sets: Sequence[str], out_path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    models = list(dict.fromkeys(r["model"] for r in rows))
    acc = {(r["model"], r["dataset"]): r["top1"] for r in rows}
    n = {r["dataset"]: r["n"] for r in rows}
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(sets) + 2), 4.2), dpi=110)
    x = np.arange(len(sets))
    for i, m in enumerate(models):
        ys = [acc.get((m, s), np.nan) for s in sets]
        bars = ax.bar(x + (i - (len(models) - 1) / 2) * width, ys, width, label=m)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks(x, [f"{s}\n({n[s]} img)" for s in sets], fontsize=8)
    # ticks 0-100; the frame a little higher, so the label of a bar at 100% stays inside it
    ax.set_ylim(0, 108)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("top-1 accuracy (%)")
    ax.set_title("Clean accuracy under distribution shift (A / R: 200-way; C: mean over folders)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path
