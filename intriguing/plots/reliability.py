"""Reliability diagrams drawn from records' ``calibration_bins`` column (``--metrics calibration``).

One column per model (up to 6): its clean evaluation on top and its hardest condition (lowest top-1)
below, so over-confidence under perturbation is visible next to the clean calibration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Optional

from intriguing.metrics.calibration import bins_from_record, reliability_diagram
from intriguing.plots.lines import describe_data

MAX_MODELS = 6


def _label(r: dict, keys: Sequence[str]) -> str:
    """The condition of a record (the model is in the title already), wrapped to fit a panel."""
    import textwrap

    text = ", ".join(f"{k}={r[k]}" for k in keys if k != "model" and r.get(k) not in (None, ""))
    return "\n".join(textwrap.wrap(text, 34))


def is_clean(r: dict) -> bool:
    """The clean reference of most sweeps: a ``condition`` (or ImageNet-C ``corruption``) called clean."""
    return r.get("condition") == "clean" or r.get("corruption") == "clean"


def reliability_figure(
    records: list[dict], out_path: str | Path, keys: Sequence[str], clean: Callable[[dict], bool] = is_clean
) -> Optional[Path]:
    """Write a grid of reliability diagrams; returns the path, or None when no record has bins. ``clean`` picks
    each model's reference record (top row; the model's first record when none is clean)."""
    rows = [r for r in records if isinstance(r.get("calibration_bins"), str) and r["calibration_bins"].startswith("{")]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(r["model"] for r in rows))[:MAX_MODELS]
    fig, axes = plt.subplots(2, len(models), figsize=(3.0 * len(models), 6.6), dpi=100, squeeze=False)
    for j, model in enumerate(models):
        mine = [r for r in rows if r["model"] == model]
        reference = next((r for r in mine if clean(r)), mine[0])
        worst = min(mine, key=lambda r: float(r["top1"]))
        for i, r in enumerate((reference, worst)):
            title = f"{model}\n{_label(r, keys) or 'clean'}\nECE {float(r['ece']):.1f}%, acc {float(r['top1']):.1f}%"
            reliability_diagram(
                bins_from_record(r["calibration_bins"]), ax=axes[i][j], title=title, legend=i == 0 and j == 0
            )
    out_path = Path(out_path)
    what = describe_data(records, out_path.parent)  # from the manifest next to the plot and the records' n
    fig.suptitle(f"Reliability (clean / hardest condition){chr(10) + what if what else ''}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")  # no clipped titles
    plt.close(fig)
    return out_path
