"""Report of ``intriguing adversarial``: summary table (text, Markdown, LaTeX), robust top-1 vs. epsilon, the
transfer heat map (rows source, columns target), reliability diagrams with ``--metrics calibration`` (eps 0 on
top, each model's strongest attack below: calibration on the adversarial images) and the perturbation pictures --
all drawn from the results folder (records.csv, pictures.npz), so ``intriguing report OUT_DIR`` redraws them."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intriguing.errors import UserError
from intriguing.plots.labels import annotate_cells, class_name, wrap
from intriguing.plots.lines import describe_data, line_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, summarize
from intriguing.records.summary import latex_table, markdown_table

METRICS = ("top1", "real_top1", "clean_top1", "own_clean_top1", "success", "top5", "linf_255", "l2", "ece", "nll")
PICTURES = "pictures.npz"


def _metrics(records: Sequence[dict]) -> list[str]:
    return [m for m in METRICS if any(r.get(m) not in (None, "") for r in records)]


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    out_dir = Path(out_dir)
    transfer = any(r.get("source") not in (None, "") for r in records)
    keys = ["source", "model", "view"] if transfer else ["model"]
    keys += ["attack", "norm", "eps"]
    metrics = _metrics(records)
    rows = summarize(records, keys, metrics)
    (out_dir / "summary.md").write_text(markdown_table(rows, keys + ["runs"], metrics))
    (out_dir / "summary.tex").write_text(latex_table(rows, keys + ["runs"], metrics))
    text = format_table(rows, keys + ["runs"], metrics)
    text += (
        "\ncolumns: top1 = robust top-1 on the adversarial images; clean_top1 = the same images unattacked "
        "(with --transfer: in the view scored, the source's resize / crop, see `view`); own_clean_top1 = the "
        "target's clean top-1 on its own resize / crop; "
        "success = % of clean-correct images fooled; linf_255 / l2 = mean perturbation norm (1/255 units / "
        "[0, 1]-pixel units)"
    )
    if transfer:
        text += (
            "\n\ntransfer matrix (top-1 under transferred attack; rows source, columns target; each cell scored "
            "on the source's view: its resize / crop, resized to the target's input size where they differ)\n"
        )
        text += transfer_text(records)
    if not plot:
        return text
    what = describe_data(records, out_dir)
    white = [r for r in records if r.get("source") in (None, "") or r.get("source") == r.get("model")]
    for norm, unit in (("linf", "L-inf budget eps (x 1/255)"), ("l2", "L2 budget eps ([0, 1] pixels)")):
        sel = [r for r in white if r.get("norm") == norm]
        if sel:
            path = line_plot(
                sel,
                "eps",
                "top1",
                ["model", "attack"],
                out_dir / f"robust_{norm}.png",
                xlabel=unit,
                ylabel="robust top-1 accuracy (%)",
                title=f"White-box {norm.upper()} attacks\n{what}" if what else f"{norm} attacks",
            )
            text += f"\nplot: {path}"
    if transfer:
        path = transfer_heatmap(records, out_dir / "transfer.png", what)
        if path:
            text += f"\nplot: {path}"
    rel = reliability_figure(
        white, out_dir / "reliability.png", ["attack", "eps"], clean=lambda r: float(r.get("eps") or 0) == 0
    )  # eps 0 on top
    if rel:
        text += f"\nplot: {rel}"
    pics = out_dir / PICTURES
    if pics.exists():
        text += f"\nplot: {perturbation_figure(pics, out_dir / 'perturbations.png')}"
    return text


def own_clean(records: Sequence[dict]) -> dict[str, float]:
    """Each target's clean top-1 on its own view (``own_clean_top1``, recorded with --transfer)."""
    rows = summarize([r for r in records if r.get("own_clean_top1") not in (None, "")], ["model"], ["own_clean_top1"])
    return {r["model"]: float(r["own_clean_top1"]) for r in rows}


def transfer_panels(records: Sequence[dict]) -> dict[tuple, dict[tuple, float]]:
    """(attack, eps) -> {(source, target): mean top-1}; the largest budget of each attack."""
    rows = summarize(
        [r for r in records if r.get("source") not in (None, "")], ["attack", "eps", "source", "model"], ["top1"]
    )
    top = {}
    for r in rows:
        top[r["attack"]] = max(top.get(r["attack"], 0.0), float(r["eps"]))
    panels: dict[tuple, dict[tuple, float]] = {}
    for r in rows:
        if float(r["eps"]) == top[r["attack"]]:
            panels.setdefault((r["attack"], float(r["eps"])), {})[(r["source"], r["model"])] = r["top1"]
    return panels


def transfer_text(records: Sequence[dict]) -> str:
    out, own = [], own_clean(records)
    for (attack, eps), cells in transfer_panels(records).items():
        models = list(dict.fromkeys(m for pair in cells for m in pair))
        width = max(len(m) for m in models + ["clean, own crop"]) + 2
        out.append(f"{attack} eps {eps:g}")
        out.append("source \\ target".ljust(width) + "".join(m[: width - 2].rjust(width) for m in models))
        for s in models:
            out.append(s.ljust(width) + "".join(f"{cells.get((s, t), float('nan')):{width}.1f}" for t in models))
        if own:  # the target's own clean accuracy: the reference its column's drop is read against
            out.append(
                "clean, own crop".ljust(width) + "".join(f"{own.get(t, float('nan')):{width}.1f}" for t in models)
            )
    return "\n".join(out)


def transfer_heatmap(records: Sequence[dict], out_path: Path, what: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = transfer_panels(records)
    if not panels:
        return None
    own = own_clean(records)
    models = list(dict.fromkeys(m for cells in panels.values() for pair in cells for m in pair))
    n = len(models)
    # constrained layout: the two-line suptitle sits above the panel titles instead of over them
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(1.6 + 1.5 * n * len(panels), 1.6 + 1.1 * n),
        dpi=110,
        squeeze=False,
        layout="constrained",
    )
    names = [wrap(m, 18) for m in models]
    for k, (ax, ((attack, eps), cells)) in enumerate(zip(axes[0], panels.items())):
        m = np.array([[cells.get((s, t), np.nan) for t in models] for s in models])
        im = ax.imshow(m, vmin=0, vmax=100, cmap="viridis")
        annotate_cells(ax, m, "{:.1f}")
        ax.set_xticks(
            range(n), [wrap(m, 13) + (f"\nclean {own[m]:.1f}%" if m in own else "") for m in models], fontsize=8
        )
        ax.set_yticks(range(n), names if k == 0 else [], fontsize=8)  # names once, on the left: no overlap
        ax.set_xlabel(
            "target (evaluated on the source's crop;\nclean: on its own crop)"
            if own
            else "target (evaluated on the source's crop)"
        )
        if k == 0:
            ax.set_ylabel("source (crafted on)")
        ax.set_title(f"{attack}, eps {eps:g}" + ("/255" if "l2" not in attack else ""), fontsize=9)
    fig.colorbar(im, ax=list(axes[0]), label="top-1 under transferred attack (%)", shrink=0.8)
    fig.suptitle(f"Transfer matrix (diagonal: white-box)\n{what}", fontsize=10)
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path


def read_pictures(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a ``pictures.npz`` ({} when there is none); a damaged file, or one holding Python objects
    (never loaded: ``allow_pickle=False``), is one sentence."""
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except ValueError as e:
        why = (
            "holds Python objects (an object array), which are never loaded"
            if "allow_pickle" in str(e)
            else f"cannot be read ({e})"
        )
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        why = f"cannot be read ({type(e).__name__}: {e})"
    raise UserError(
        f"{path} {why}: delete it (the pictures of the models evaluated next are drawn again) or "
        f"rerun with --overwrite."
    )


def perturbation_figure(path: Path, out_path: Path) -> Path:
    """Rows: images; columns: the image, then each model's PGD perturbation amplified to [-eps, eps] -> [0, 1]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = read_pictures(path)
    models = list(dict.fromkeys(k.split("|")[0] for k in data))
    first = models[0]
    order = np.argsort(data[f"{first}|index"])
    n = len(order)

    fig, axes = plt.subplots(n, 1 + len(models), figsize=(2.2 * (1 + len(models)), 2.3 * n), dpi=100, squeeze=False)
    for row, j in enumerate(order):
        idx = int(data[f"{first}|index"][j])
        axes[row, 0].imshow(data[f"{first}|x"][j].transpose(1, 2, 0))
        axes[row, 0].set_title(wrap(f"image {idx}: {class_name(data[f'{first}|label'][j])}", 26), fontsize=8)
        for col, m in enumerate(models, start=1):
            k = int(np.nonzero(data[f"{m}|index"] == idx)[0][0])
            eps = float(data[f"{m}|eps"]) / 255
            delta = data[f"{m}|delta"][k].astype(np.float32).transpose(1, 2, 0)
            axes[row, col].imshow(np.clip(delta / (2 * eps) + 0.5, 0, 1))
            axes[row, col].set_title(f"{wrap(m)}\n{wrap('-> ' + class_name(data[f'{m}|pred'][k]))}", fontsize=7)
    for ax in axes.flat:
        ax.axis("off")
    eps255 = float(data[f"{first}|eps"])
    fig.suptitle(f"PGD perturbations (L-inf eps {eps255:g}/255, amplified: -eps..eps -> black..white)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path
