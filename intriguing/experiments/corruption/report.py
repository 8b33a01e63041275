"""Corruption results from records: per-corruption error, mCE / relative mCE tables, CSVs and plots.

mCE and relative mCE are normalised by AlexNet's ImageNet-C errors, so they are reported only when
the run scored ImageNet labels (manifest ``dataset.label_space == "imagenet-1k"``); other datasets
(e.g. CIFAR-10-C) get the mean corruption error.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from intriguing.corruptions import CORRUPTIONS
from intriguing.corruptions.mce import corruption_errors, mce
from intriguing.plots.lines import describe_data, line_plot
from intriguing.plots.reliability import reliability_figure


def _label_space(out_dir: Path) -> str:
    try:
        return json.loads((out_dir / "manifest.json").read_text())["dataset"]["label_space"]
    except (OSError, KeyError, ValueError):
        return "unknown"


def model_tables(records: list[dict]) -> tuple[dict[str, float], dict[str, dict[tuple[str, int], float]]]:
    """Clean error and {(corruption, severity): error} per model (fractions, averaged over runs)."""
    clean: dict[str, list[float]] = {}
    errs: dict[str, dict[tuple[str, int], list[float]]] = {}
    for r in records:
        e = 1.0 - float(r["top1"]) / 100.0
        if r["corruption"] == "clean":
            clean.setdefault(r["model"], []).append(e)
        else:
            errs.setdefault(r["model"], {}).setdefault((r["corruption"], int(r["severity"])), []).append(e)
    mean = lambda v: sum(v) / len(v)  # noqa: E731
    return ({m: mean(v) for m, v in clean.items()}, {m: {k: mean(v) for k, v in t.items()} for m, t in errs.items()})


def _fmt(v) -> str:
    return "n/a" if isinstance(v, float) and math.isnan(v) else (f"{v:.2f}" if isinstance(v, float) else str(v))


def _write_csv(path: Path, rows: list[dict]) -> None:
    if rows:
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


def _table(rows: list[dict], cols: list[str]) -> str:
    cells = [[_fmt(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) if cells else len(c) for i, c in enumerate(cols)]
    line = lambda xs: "  ".join(x.ljust(w) for x, w in zip(xs, widths))  # noqa: E731
    return "\n".join([line(cols), line(["-" * w for w in widths])] + [line(x) for x in cells])


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    out_dir = Path(out_dir)
    imagenet = _label_space(out_dir) == "imagenet-1k"
    clean, errs = model_tables(records)
    summary, per_c = [], []
    for model, table in errs.items():
        ce = clean.get(model)
        per = corruption_errors(table, clean_error=ce)  # corruptions with all five severities
        agg = mce(table, clean_error=ce) if per else {"mce": math.nan, "rel_mce": math.nan, "n_corruptions": 0}
        if not imagenet:
            agg["mce"] = agg["rel_mce"] = math.nan
        seen = list(dict.fromkeys(c for c, _ in table))
        rows = []
        for c in [c for c in CORRUPTIONS if c in seen] + [c for c in seen if c not in CORRUPTIONS]:
            sev = [e for (cc, _), e in table.items() if cc == c]
            full = per.get(c, {"ce": math.nan, "rel_ce": math.nan})
            rows.append(
                {
                    "model": model,
                    "corruption": c,
                    "severities": len(sev),
                    "error": 100 * sum(sev) / len(sev),
                    "ce": full["ce"] if imagenet else math.nan,
                    "rel_ce": full["rel_ce"] if imagenet else math.nan,
                }
            )
        per_c += rows
        summary.append(
            {
                "model": model,
                "clean_error": 100 * ce if ce is not None else math.nan,
                "mean_corruption_error": sum(r["error"] for r in rows) / len(rows),
                "mce": agg["mce"],
                "rel_mce": agg["rel_mce"],
                "n_corruptions": agg["n_corruptions"],
            }
        )
    _write_csv(out_dir / "mce.csv", summary)
    _write_csv(out_dir / "corruption_errors.csv", per_c)
    text = _table(summary, ["model", "clean_error", "mean_corruption_error", "mce", "rel_mce", "n_corruptions"])
    if not imagenet:
        text += "\n(mCE / relative mCE are AlexNet-normalised ImageNet-C numbers: n/a for this label space)"
    elif summary and any(s["n_corruptions"] < 15 for s in summary):
        text += "\n(the paper's mCE averages all 15 corruptions at severities 1-5; n_corruptions had all five here)"
    text += "\n\nper corruption (error % averaged over the severities run; CE, normalised by AlexNet, needs all 5):\n"
    text += _table(per_c, ["model", "corruption", "severities", "error", "ce", "rel_ce"])
    text += f"\ntables: {out_dir / 'mce.csv'}, {out_dir / 'corruption_errors.csv'}"
    if plot:
        names = [c for c in dict.fromkeys(str(r.get("corruption")) for r in records) if c != "clean"]
        what = describe_data(records, out_dir, f"{len(names)} corruption(s)" if len(names) > 3 else ", ".join(names))
        sev = line_plot(
            records,
            "severity",
            "top1",
            ["model"],
            out_dir / "corruption_severity.png",
            xlabel="severity (0 = clean)",
            ylabel="top-1 accuracy (%), mean ± std over corruptions",
            title=f"Accuracy vs corruption severity\n{what}",
        )
        text += f"\nplot: {sev}"
        if per_c:
            title = f"Top-1 error per corruption (mean over severities)\n{describe_data(records, out_dir)}"
            text += f"\nplot: {_bar_plot(per_c, out_dir / 'corruption_errors.png', title)}"
        rel = reliability_figure(records, out_dir / "reliability.png", ["corruption", "severity"])
        if rel:
            text += f"\nplot: {rel}"
    return text


def _bar_plot(per_c: list[dict], out_path: Path, title: str = "") -> Path:
    """Grouped bars: error per corruption (mean over severities), one bar per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(r["model"] for r in per_c))
    names = list(dict.fromkeys(r["corruption"] for r in per_c))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(max(6.4, 0.55 * len(names) * max(1, len(models) / 2)), 4.2), dpi=100)
    for i, m in enumerate(models):
        vals = {r["corruption"]: r["error"] for r in per_c if r["model"] == m}
        ax.bar(
            [j + (i - (len(models) - 1) / 2) * width for j in range(len(names))],
            [vals.get(n, 0.0) for n in names],
            width=width,
            label=m,
        )
    ax.set_xticks(range(len(names)), [n.replace("_", "\n") for n in names], fontsize=7)
    ax.set_ylabel("top-1 error (%), mean over severities")
    ax.set_ylim(0, 100)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")  # nothing clipped
    plt.close(fig)
    return out_path
