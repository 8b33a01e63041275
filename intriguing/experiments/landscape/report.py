"""Summary table and figures of ``intriguing landscape``, drawn from records only (re-plottable)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intriguing.plots.lines import line_plot
from intriguing.plots.surfaces import contour_panels, grid_of, split, surface_panels
from intriguing.records import format_table


def summary_rows(records: Sequence[dict]) -> list[dict]:
    """Per (model, condition): loss and top-1 at the trained weights, mean / max rise of the loss over the grid."""
    out = []
    for (model, cond), rows in split(records, ["model", "condition"]).items():
        origin = [r for r in rows if float(r["x"]) == 0 and float(r["y"]) == 0]
        loss = np.array([float(r["loss"]) for r in rows])
        row = {"model": model, "condition": cond, "points": len(rows), "runs": 1}
        if origin:
            l0 = float(origin[0]["loss"])
            row.update(
                loss_at_0=l0,
                top1_at_0=float(origin[0]["top1"]),
                mean_rise=float(np.nanmean(loss - l0)),
                max_rise=float(np.nanmax(loss - l0)),
            )
        else:
            row.update(loss_at_0=float("nan"), top1_at_0=float("nan"), mean_rise=float("nan"), max_rise=float("nan"))
        out.append(row)
    return out


def _title(records: Sequence[dict], what: str) -> str:
    n = sorted({int(r["images"]) for r in records})
    return f"{what} (NLL + L2) on {'/'.join(map(str, n))} fixed images, filter-normalised random directions"


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    rows = summary_rows(records)
    metrics = ["loss_at_0", "top1_at_0", "mean_rise", "max_rise"]
    text = format_table(rows, ["model", "condition", "points"], metrics)
    if not plot:
        return text
    out = Path(out_dir)
    paths = []
    for dims, recs in split(records, ["dims"]).items():
        if int(dims[0]) == 1:
            paths.append(
                line_plot(
                    recs,
                    "x",
                    "loss",
                    ["model", "condition"],
                    out / "landscape_1d.png",
                    xlabel="step along the filter-normalised direction",
                    ylabel="loss (NLL + L2)",
                    title=_title(recs, "1-D loss landscape"),
                )
            )
            continue
        # one row per data condition, one column per model
        by = split(recs, ["condition", "model"])
        models = list(dict.fromkeys(m for _, m in by))
        panels = [(f"{m} · {c}", *grid_of(g, "loss")) for (c, m), g in by.items()]
        title = _title(recs, "2-D loss landscape")
        paths.append(contour_panels(panels, out / "landscape_contour.png", title, "loss", cols=len(models)))
        # the rim is orders of magnitude above the basin: a log z axis keeps the basin's shape visible
        logs = [(name, xs, ys, np.log10(np.clip(Z, 1e-12, None))) for name, xs, ys, Z in panels]
        paths.append(surface_panels(logs, out / "landscape_surface.png", title, "log10 loss", cols=len(models)))
    return text + "".join(f"\nplot: {p}" for p in paths)
