"""Summary table and accuracy-curve plot shared by the classification sweeps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from intriguing.plots.lines import describe_data, line_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, summarize


def report_curves(
    records: Sequence[dict],
    out_dir: str | Path,
    x: str,
    series: Sequence[str],
    plot_name: str,
    xlabel: str,
    title: str,
    categorical: bool = False,
    plot: bool = True,
    key: str = "",
) -> str:
    """Print-ready 'mean ± std over runs' table of top-1/top-5 and a top-1 vs ``x`` plot; the title names the
    data, N images, the grid and ``key`` (another key parameter, e.g. the saliency model)."""
    metrics = [m for m in ("top1", "real_top1", "top5", "ece", "nll") if any(m in r for r in records)]
    rows = summarize(records, list(series) + [x], metrics)
    text = format_table(rows, list(series) + [x, "runs"], metrics)
    if plot:
        grids = sorted({str(r["grid"]) for r in records if r.get("grid") not in (None, "")})
        params = ", ".join(p for p in (f"grid {'/'.join(grids)}" if grids and not categorical else "", key) if p)
        what = describe_data(records, out_dir, params)
        path = line_plot(
            records,
            x,
            "top1",
            series,
            Path(out_dir) / plot_name,
            xlabel=xlabel,
            ylabel="top-1 accuracy (%)",
            title=f"{title}\n{what}" if what else title,
            categorical=categorical,
        )
        text += f"\nplot: {path}"
        rel = reliability_figure(records, Path(out_dir) / "reliability.png", list(series) + [x])
        if rel:  # any command run with --metrics calibration
            text += f"\nplot: {rel}"
    return text
