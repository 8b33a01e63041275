"""Plots drawn from records (never from in-memory state), so a finished or resumed run can be
re-plotted with ``intriguing report OUT_DIR``. Accuracy axes span 0-100 (never below 0); titles say what was
measured on which data (:func:`describe_data`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from intriguing.records import summarize


def line_plot(
    records: Sequence[dict],
    x: str,
    y: str,
    series: Sequence[str],
    out_path: str | Path,
    xlabel: Optional[str] = None,
    ylabel: Optional[str] = None,
    title: Optional[str] = None,
    categorical: bool = False,
) -> Path:
    """One line per ``series`` combination, mean ± std over runs as a band; categorical x keeps order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = summarize(records, list(series) + [x], [y])
    lines: dict = {}
    for r in rows:
        lines.setdefault(" / ".join(str(r[s]) for s in series), []).append(r)
    xcats = list(dict.fromkeys(str(r[x]) for r in rows)) if categorical else None
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=110)
    for label, pts in lines.items():
        if categorical:
            pts = sorted(pts, key=lambda r: xcats.index(str(r[x])))
            xs = [xcats.index(str(r[x])) for r in pts]
        else:
            pts = sorted(pts, key=lambda r: float(r[x]))
            xs = [float(r[x]) for r in pts]
        ys = [r[y] for r in pts]
        sd = [r[f"{y}_std"] for r in pts]
        ax.plot(xs, ys, marker="o", ms=3.5, label=label)
        if any(sd):
            ax.fill_between(xs, [a - b for a, b in zip(ys, sd)], [a + b for a, b in zip(ys, sd)], alpha=0.2)
    if categorical:
        ax.set_xticks(range(len(xcats)), xcats)
    else:
        integer_ticks(ax, sorted({float(r[x]) for r in rows}))
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    if is_accuracy(y, ylabel):  # accuracies: 0-100, the band never below 0
        ax.set_ylim(0, 100)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    out_path = Path(out_path)
    fig.savefig(out_path, bbox_inches="tight")  # no clipped labels or legends
    plt.close(fig)
    return out_path


def integer_ticks(ax, xs: Sequence[float]) -> None:
    """Whole-number x values (epochs, blocks, grid sizes) get whole-number ticks: one epoch is the tick ``1`` on an
    axis from 0 to 2, not 0.96 .. 1.04."""
    if not xs or not all(v.is_integer() for v in xs):
        return
    from matplotlib.ticker import MaxNLocator

    if len(xs) == 1:
        ax.set_xlim(xs[0] - 1, xs[0] + 1)
    if len(xs) <= 12:
        ax.set_xticks(xs)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def is_accuracy(y: str, ylabel: Optional[str] = None) -> bool:
    """An accuracy in percent (axis 0-100), not a difference of accuracies such as ``top1_drop``, which may be
    negative and must not be clipped at 0."""
    return y in ("top1", "top5", "val_top1") or ("accuracy" in (ylabel or "") and "drop" not in (ylabel or ""))


def describe_data(records: Sequence[dict], out_dir: str | Path, extra: str = "") -> str:
    """'<dataset folder>, N images[, extra]' for plot titles, from the run's manifest and records."""
    from intriguing.records import read_manifest

    root = read_manifest(out_dir).get("dataset", {}).get("root") or ""
    ns = sorted({int(r["n"]) for r in records if str(r.get("n", "")).isdigit()})
    parts = ["/".join(Path(str(root)).parts[-2:])] if root else []  # e.g. imagenette/val
    parts += [f"{ns[0]} images" if len(ns) == 1 else f"{ns[0]}-{ns[-1]} images"] if ns else []
    return ", ".join(parts + ([extra] if extra else []))
