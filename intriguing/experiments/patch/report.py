"""Tables and plots of ``intriguing patch``, drawn from records (the patch figure from the evaluation's saved
``patch_samples.npz``): nothing here runs a model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intriguing.plots.labels import annotate_cells
from intriguing.plots.lines import describe_data, line_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, summarize

SAMPLES = "patch_samples.npz"  # written by the evaluation (samples.py), read by patch_figure


def _metrics(records: Sequence[dict]) -> list[str]:
    return [
        m
        for m in ("top1", "real_top1", "top5", "clean_top1", "fooled", "hit_target", "ece", "nll")
        if any(r.get(m) not in (None, "") for r in records)
    ]


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Mean ± std over placements per (model, source patch, area); accuracy vs area; fooling-rate matrix."""
    out = Path(out_dir)
    keys = ["model", "source", "area", "target_class"]
    metrics = _metrics(records)
    text = format_table(summarize(records, keys, metrics), keys + ["runs"], metrics)
    text += (
        "\n(area 0: no patch, the clean reference; fooled: % of images whose prediction the patch changes; "
        "hit_target: % predicted as --target-class; means over --runs placements per image)"
    )
    samples, figure = out / SAMPLES, out / "patches.png"
    if samples.exists() and (plot or not figure.exists()):  # drawn once even with --no-plot, as the patches' picture
        text += f"\nplot: {patch_figure(samples, figure)}"
    if plot and records:
        own = [r for r in records if r["source"] == r["model"]]
        what = describe_data(records, out)
        if own:
            p = line_plot(
                own,
                "area",
                "top1",
                ["model"],
                out / "patch_accuracy.png",
                xlabel="patch area (fraction of the image; 0 = no patch)",
                ylabel="top-1 accuracy (%)",
                title=f"Universal patch, own model\n{what}",
            )
            text += f"\nplot: {p}"
        patched = [r for r in records if float(r["area"]) > 0]
        if len({r["source"] for r in patched}) > 1:
            p = fooling_matrix(patched, out / "patch_transfer.png", what)
            text += f"\nplot: {p}"
        # clean (area 0) on top, the patch that hurts most below; calibration on the patched images
        rel = reliability_figure(
            records, out / "reliability.png", ["source", "area", "run"], clean=lambda r: float(r["area"]) == 0
        )
        if rel:
            text += f"\nplot: {rel}"
    return text


def fooling_matrix(records: Sequence[dict], out_path: Path, what: str) -> Path:
    """Source patch x target model fooling rate, one panel per area (the diagonal: a model's own patch)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys([r["source"] for r in records] + [r["model"] for r in records]))
    areas = sorted({float(r["area"]) for r in records})
    fig, axes = plt.subplots(
        1, len(areas), figsize=(1.4 + 1.3 * len(models) * len(areas), 1.6 + 1.0 * len(models)), dpi=110, squeeze=False
    )
    im = None
    for k, (ax, a) in enumerate(zip(axes[0], areas)):
        cell: dict[tuple[str, str], list[float]] = {}
        for r in records:
            if float(r["area"]) == a:
                cell.setdefault((r["source"], r["model"]), []).append(float(r["fooled"]))
        m = np.array([[np.mean(cell[(s, t)]) if (s, t) in cell else np.nan for t in models] for s in models])
        im = ax.imshow(m, vmin=0, vmax=100, cmap="magma")
        annotate_cells(ax, m, "{:.0f}")
        ax.set_xticks(range(len(models)), models, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(models)), models if k == 0 else [], fontsize=8)  # names once, on the left
        ax.set_xlabel("evaluated on")
        if k == 0:
            ax.set_ylabel("patch learned on")
        ax.set_title(f"area {a:g}", fontsize=9)
    fig.colorbar(im, ax=list(axes[0]), label="fooling rate (%)", shrink=0.8)
    fig.suptitle(f"Universal patch transfer (diagonal: own model)\n{what}", fontsize=10)
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path


def patch_figure(samples: Path, out_path: Path) -> Path:
    """Each learned patch (first column) and pasted on the sample images (its own model's view, the evaluation's
    first placement), titled with the model's prediction without -> with the patch: drawn from the evaluation's
    ``patch_samples.npz`` (:mod:`.samples`), no model is run here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from intriguing.plots.labels import class_name, wrap

    with np.load(samples, allow_pickle=False) as npz:
        data = {k: npz[k] for k in npz.files}
    names, areas = data["names"].tolist(), data["areas"].tolist()
    n = max([len(data[f"pasted{k}"]) for k in range(len(names))], default=0)
    cols = 1 + n
    # constrained layout leaves room for each row's (two- or three-line) titles: tight_layout let the first
    # column's title run into the image above
    fig, axes = plt.subplots(
        len(names), cols, figsize=(2.0 * cols, 2.4 * len(names) + 0.6), dpi=100, squeeze=False, layout="constrained"
    )
    for row, (name, area) in enumerate(zip(names, areas)):
        pasted, before, after = data[f"pasted{row}"], data[f"before{row}"], data[f"after{row}"]
        axes[row][0].imshow(data[f"patch{row}"].transpose(1, 2, 0))
        axes[row][0].set_title(f"{wrap(name, 22)}\npatch, area {area:g}", fontsize=7)
        for j in range(1, cols):
            if j - 1 < len(pasted):
                axes[row][j].imshow(pasted[j - 1].transpose(1, 2, 0))
                change = f"{class_name(int(before[j - 1]), short=True)} -> {class_name(int(after[j - 1]), short=True)}"
                axes[row][j].set_title(wrap(change, 24), fontsize=7)
        for ax in axes[row]:
            ax.set_axis_off()
    target, steps, batch = int(data["target_class"]), int(data["steps"]), int(data["train_batch"])
    how = ["untargeted" if target < 0 else f"target class {target}"]
    how += [] if bool(data["loaded"]) else [f"{steps} step{'s' if steps != 1 else ''} of {batch} images"]
    fig.suptitle(
        f"Learned universal patches ({', '.join(how)}) pasted at the first evaluation "
        f"placement\ntitles: prediction without -> with the patch",
        fontsize=9,
    )
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path
