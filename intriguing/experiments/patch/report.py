"""Tables and plots of ``intriguing patch``, drawn from records (the patch figure from the saved patches)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from intriguing.plots.lines import describe_data, line_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, summarize


def _metrics(records: Sequence[dict]) -> List[str]:
    return [m for m in ("top1", "real_top1", "top5", "clean_top1", "fooled", "hit_target", "ece", "nll")
            if any(r.get(m) not in (None, "") for r in records)]


def report(records: List[dict], out_dir, plot: bool = True) -> str:
    """Mean ± std over placements per (model, source patch, area); accuracy vs area; fooling-rate matrix."""
    out = Path(out_dir)
    keys = ["model", "source", "area", "target_class"]
    metrics = _metrics(records)
    text = format_table(summarize(records, keys, metrics), keys + ["runs"], metrics)
    text += ("\n(area 0: no patch, the clean reference; fooled: % of images whose prediction the patch changes; "
             "hit_target: % predicted as --target-class; means over --runs placements per image)")
    if plot and records:
        own = [r for r in records if r["source"] == r["model"]]
        what = describe_data(records, out)
        if own:
            p = line_plot(own, "area", "top1", ["model"], out / "patch_accuracy.png", xlabel="patch area (fraction of "
                          "the image; 0 = no patch)", ylabel="top-1 accuracy (%)",
                          title=f"Universal patch, own model\n{what}")
            text += f"\nplot: {p}"
        patched = [r for r in records if float(r["area"]) > 0]
        if len({r["source"] for r in patched}) > 1:
            p = fooling_matrix(patched, out / "patch_transfer.png", what)
            text += f"\nplot: {p}"
        # clean (area 0) on top, the patch that hurts most below; calibration on the patched images
        rel = reliability_figure(records, out / "reliability.png", ["source", "area", "run"],
                                 clean=lambda r: float(r["area"]) == 0)
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
    fig, axes = plt.subplots(1, len(areas), figsize=(1.4 + 1.3 * len(models) * len(areas), 1.6 + 1.0 * len(models)),
                             dpi=110, squeeze=False)
    im = None
    for k, (ax, a) in enumerate(zip(axes[0], areas)):
        cell: Dict[Tuple[str, str], List[float]] = {}
        for r in records:
            if float(r["area"]) == a:
                cell.setdefault((r["source"], r["model"]), []).append(float(r["fooled"]))
        m = np.array([[np.mean(cell[(s, t)]) if (s, t) in cell else np.nan for t in models] for s in models])
        im = ax.imshow(m, vmin=0, vmax=100, cmap="magma")
        for i in range(len(models)):
            for j in range(len(models)):
                if m[i, j] == m[i, j]:
                    ax.text(j, i, f"{m[i, j]:.0f}", ha="center", va="center", fontsize=8,
                            color="white" if m[i, j] < 60 else "black")
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


def patch_figure(patches: Dict[Tuple[str, float], torch.Tensor], bundles, images, config, out_path: Path) -> Path:
    """Each learned patch (first column) and pasted on the first ``config.samples`` images (its own model's view,
    the evaluation's first placement), titled with the model's prediction without -> with the patch."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from intriguing.attacks.patch import paste_patch, patch_positions, patch_side
    from intriguing.data import limit_samples, make_loader
    from intriguing.experiments.patch.sweep import fit_patch
    from intriguing.plots.labels import class_name, wrap

    keys = [k for k in patches if any(b.name == k[0] for b in bundles)]
    cols = 1 + config.samples
    # constrained layout leaves room for each row's (two- or three-line) titles: tight_layout let the first
    # column's title run into the image above
    fig, axes = plt.subplots(len(keys), cols, figsize=(2.0 * cols, 2.4 * len(keys) + 0.6), dpi=100, squeeze=False,
                             layout="constrained")
    sample = limit_samples(images, config.samples)
    for row, (name, area) in enumerate(keys):
        b = next(b for b in bundles if b.name == name)
        batch = next(iter(make_loader(sample, [b.geometry], config.samples, 0)))
        x = batch.views[b.geometry].float() / 255
        side = patch_side(area, tuple(x.shape[-2:]))
        p = fit_patch(patches[(name, area)], side)
        pos = patch_positions(batch.indices, side, tuple(x.shape[-2:]), config.seed, "patch-eval", area, 0)
        pasted = paste_patch(x, p, pos)
        with torch.inference_mode():
            dev = next(b.model.parameters()).device
            before = b(x.to(dev)).argmax(-1).tolist()
            after = b(pasted.to(dev)).argmax(-1).tolist()
        axes[row][0].imshow(patches[(name, area)].permute(1, 2, 0).numpy())
        axes[row][0].set_title(f"{wrap(name, 22)}\npatch, area {area:g}", fontsize=7)
        for j in range(1, cols):
            if j - 1 < len(pasted):
                axes[row][j].imshow(pasted[j - 1].permute(1, 2, 0).clamp(0, 1).numpy())
                change = f"{class_name(before[j - 1], short=True)} -> {class_name(after[j - 1], short=True)}"
                axes[row][j].set_title(wrap(change, 24), fontsize=7)
        for ax in axes[row]:
            ax.set_axis_off()
    how = ["untargeted" if config.target_class is None else f"target class {config.target_class}"]
    how += [] if config.load_patches else [f"{config.steps} step{'s' if config.steps != 1 else ''} of "
                                           f"{config.train_batch} images"]
    fig.suptitle(f"Learned universal patches ({', '.join(how)}) pasted at the first evaluation "
                 f"placement\ntitles: prediction without -> with the patch", fontsize=9)
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path
