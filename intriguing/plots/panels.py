"""Side-by-side line plots drawn from records: one panel per value of a column (e.g. ViT blocks next to CNN
stages, whose x axes mean different things), one line per series, mean ± std over runs as a band."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from intriguing.records import summarize


def panel_plot(
    records: Sequence[dict],
    panel: str,
    x: str,
    y: str,
    series: Sequence[str],
    out_path: str | Path,
    xlabels: Optional[dict[str, str]] = None,
    xlabel: Optional[str] = None,
    ylabel: Optional[str] = None,
    title: str = "",
    ylim: Optional[tuple] = None,
    titles: Optional[dict[str, str]] = None,
    names: Optional[dict[str, str]] = None,
) -> Path:
    """One subplot per distinct ``records[panel]`` (first-seen order), x numeric, shared y axis. ``names``: a word
    put before a series column's value in the legend (``{"fraction": "fraction"}``: ``m / fraction 0.25``, not a
    bare ``m / 0.25``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(dict.fromkeys(str(r[panel]) for r in records))
    fig, axes = plt.subplots(
        1, max(1, len(panels)), figsize=(5.6 * max(1, len(panels)), 4.4), dpi=110, sharey=True, squeeze=False
    )
    for ax, name in zip(axes[0], panels):
        rows = summarize([r for r in records if str(r[panel]) == name], list(series) + [x], [y])
        lines: dict = {}
        for r in rows:
            lines.setdefault(
                " / ".join(f"{(names or {})[s]} {r[s]}" if s in (names or {}) else str(r[s]) for s in series), []
            ).append(r)
        for label, pts in lines.items():
            pts = sorted(pts, key=lambda r: float(r[x]))
            xs, ys, sd = [float(r[x]) for r in pts], [r[y] for r in pts], [r[f"{y}_std"] for r in pts]
            ax.plot(xs, ys, marker="o", ms=3.5, label=label)
            if any(sd):
                ax.fill_between(xs, [a - b for a, b in zip(ys, sd)], [a + b for a, b in zip(ys, sd)], alpha=0.2)
        xs_all = sorted({float(r[x]) for r in rows})
        if xs_all and all(v.is_integer() for v in xs_all):
            ax.set_xticks(xs_all)
        ax.set_xlabel((xlabels or {}).get(name, xlabel or x))
        ax.set_title((titles or {}).get(name, name), fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        if ylim:
            ax.set_ylim(*ylim)
    axes[0][0].set_ylabel(ylabel or y)
    if title:
        fig.suptitle(title, fontsize=10, y=1.0, va="bottom")  # above the panel titles, kept by bbox tight
    out_path = Path(out_path)
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path
