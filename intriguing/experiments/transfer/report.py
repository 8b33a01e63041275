"""Summary tables and plots of the transfer analysis, drawn from its records.

linear: test top-1 per (model, dataset, block set), mean ± std over runs, and a bar chart "accuracy per
dataset for each block set"; fewshot: mean ± 95% CI over episodes per (classifier, shots) and a bar
chart; per-block: top-1 per block (the model's own head and/or a linear probe per block), a line plot.
Records made with --paper-compat are flagged: their top1 is a max over epochs on the test set.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from intriguing.plots.lines import describe_data, line_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, read_manifest, summarize

PAPER_NOTE = (
    "note: paper-compat records: top1 is the MAXIMUM test accuracy over epochs (model selection on "
    "the test set, as the original script); top1_last_epoch is the last epoch's."
)


def bar_plot(
    rows: Sequence[dict],
    x: str,
    series: Sequence[str],
    y: str,
    err: str | None,
    out_path: Path,
    ylabel: str,
    title: str,
) -> Path:
    """Grouped bars: one group per ``x`` value, one bar per ``series`` combination, optional error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = list(dict.fromkeys(str(r[x]) for r in rows))
    names = list(dict.fromkeys(" / ".join(str(r[s]) for s in series) for r in rows))
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(
        figsize=(max(5.0, 1.2 * len(xs) * max(1, len(names)) ** 0.5 + 2), 4.0 + 0.2 * len(names)), dpi=100
    )
    for i, name in enumerate(names):
        pts = {str(r[x]): r for r in rows if " / ".join(str(r[s]) for s in series) == name}
        pos = [k + (i - (len(names) - 1) / 2) * width for k, xv in enumerate(xs) if xv in pts]
        vals = [pts[xv][y] for xv in xs if xv in pts]
        errs = [pts[xv].get(err, 0.0) for xv in xs if xv in pts] if err else None
        bars = ax.bar(pos, vals, width, yerr=errs, capsize=3, label=name)
        ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=2)
    ax.set_xticks(range(len(xs)), xs)
    ax.set_ylabel(ylabel)
    # ticks 0-100 (accuracies); the frame a little higher, so the label of a bar at 100% stays inside it
    above = [float(r.get(err) or 0.0) for r in rows] if err else []  # error bars push the labels up
    ax.set_ylim(0, 108 + min(20.0, max([v for v in above if v == v] or [0.0])))
    ax.set_yticks(range(0, 101, 20))
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(2, len(names)), frameon=False)
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")  # the legend below the axes is kept
    plt.close(fig)
    return out_path


def _name(dataset: str, out_dir: Path) -> str:
    """A dataset as titles name it: ``folder`` is the folder itself (e.g. ``mydata/flowers``, from the manifest)."""
    if dataset != "folder":
        return dataset
    root = read_manifest(out_dir).get("dataset", {}).get("root")
    return "/".join(Path(str(root)).parts[-2:]) if root else dataset


def _count(v) -> int | None:
    return int(float(v)) if str(v).strip() not in ("", "None", "nan") else None


def _sizes(records: Sequence[dict], out_dir: Path) -> str:
    """'cifar10: 45000 train + 5000 validation, 10000 test images; ...' (from the records) for plot titles."""
    parts = {}
    for r in records:
        d, test = _name(str(r["dataset"]), out_dir), _count(r.get("n_test"))
        if test is None:
            continue
        train, val = _count(r.get("n_train")), _count(r.get("n_val"))
        fit = f"{train} train + {val} validation, " if train is not None and val is not None else ""
        parts[d] = f"{d}: {fit}{test} test images"
    return "; ".join(parts.values())


def _features(r: dict) -> str:
    return f"{r['features']}+patch" if int(r.get("patch_mean", 0) or 0) else str(r["features"])


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Print-ready tables (and plots) for whatever modes the records hold."""
    out, parts = Path(out_dir), []
    for r in records:
        r["feature_set"] = _features(r)
    linear = [r for r in records if r.get("mode") == "linear"]
    fewshot = [r for r in records if r.get("mode") == "fewshot"]
    per_block = [r for r in records if r.get("mode") == "per-block"]
    if linear:
        keys = ["model", "dataset", "feature_set"]
        rows = summarize(linear, keys, ["top1", "val_top1"])
        parts.append(
            "linear probe (test top-1 %, chosen on validation):\n"
            + format_table(rows, keys + ["runs"], ["top1", "val_top1"])
        )
        if any("paper-compat" in str(r.get("selection", "")) for r in linear):
            parts.append(PAPER_NOTE)
        if plot:
            for r in rows:
                r["series"] = f"{r['model']} {r['feature_set']}"
                r["data"] = _name(str(r["dataset"]), out)
            p = bar_plot(
                rows,
                "data",
                ["series"],
                "top1",
                "top1_std",
                out / "transfer_linear.png",
                "test top-1 (%)",
                "Linear probe: test top-1 per dataset and block set\n" + _sizes(linear, out),
            )
            parts.append(f"plot: {p}")
    if fewshot:
        keys = ["model", "dataset", "feature_set", "classifier", "ways", "shots"]
        rows = summarize(fewshot, keys, ["top1", "ci95"])
        lines = [
            f"{' '.join(str(r[k]) for k in keys)}: {r['top1']:.2f} ± {r['ci95']:.2f} (95% CI, "
            f"{int(fewshot[0]['episodes'])} episodes x {r['runs']} run(s))"
            for r in rows
        ]
        parts.append("few-shot (query top-1 %, mean ± 95% CI):\n" + "\n".join(lines))
        if plot:
            for r in rows:
                r["series"] = f"{r['model']} {r['feature_set']} {r['classifier']}"
                r["setting"] = f"{_name(str(r['dataset']), out)} {int(r['ways'])}w{int(r['shots'])}s"
            sizes = _sizes(fewshot, out)  # the episodes are drawn from these images
            p = bar_plot(
                rows,
                "setting",
                ["series"],
                "top1",
                "ci95",
                out / "transfer_fewshot.png",
                "query top-1 (%)",
                f"Few-shot: mean ± 95% CI over {int(fewshot[0]['episodes'])} episodes "
                f"of {int(fewshot[0]['queries'])} queries per class" + (f"\n{sizes}" if sizes else ""),
            )
            parts.append(f"plot: {p}")
    if per_block:
        keys = ["model", "dataset", "measure", "block"]
        metrics = [m for m in ("top1", "top5") if any(m in r and r[m] != "" for r in per_block)]
        rows = summarize(per_block, keys, metrics)
        parts.append("per-block accuracy (block = 0-based index):\n" + format_table(rows, keys + ["runs"], metrics))
        if plot:
            p = line_plot(
                per_block,
                "block",
                "top1",
                ["model", "dataset", "measure"],
                out / "per_block.png",
                xlabel="block (0-based)",
                ylabel="top-1 accuracy (%)",
                title=f"Class token of each block\n{describe_data(per_block, out)}",
            )
            parts.append(f"plot: {p}")
            last_first = sorted(per_block, key=lambda r: -int(r["block"]))  # top panel: the last block (the model)
            rel = reliability_figure(last_first, out / "reliability.png", ["block", "measure"])
            if rel:  # run with --metrics calibration
                parts.append(f"plot: {rel}")
    return "\n\n".join(parts)
