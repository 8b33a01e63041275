"""Summary table and figures of ``intriguing hessian``, drawn from records only (re-plottable)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intriguing.plots.spectra import density_plot, distribution_plot
from intriguing.plots.surfaces import split
from intriguing.records import format_table

COLUMNS = ["lambda_1", "lambda_k", "max_eig_median", "max_eig_neg_pct", "trace", "trace_se"]


def summary_rows(records: Sequence[dict]) -> list[dict]:
    """Per (model, condition): top eigenvalues, the mini-batch max-eigenvalue spectrum's median and share
    of negative values, the trace and its standard error (NaN where a measure was not run)."""
    out = []
    for (model, cond), rows in split(records, ["model", "condition"]).items():
        by = split(rows, ["measure"])
        top = sorted(by.get(("eigenvalue",), []), key=lambda r: int(r["index"]))
        spec = np.array([float(r["value"]) for r in by.get(("max_eigenvalue",), [])])
        tr = by.get(("trace",), [])
        out.append(
            {
                "model": model,
                "condition": cond,
                "runs": 1,
                "k": len(top),
                "batches": len(spec),
                "lambda_1": float(top[0]["value"]) if top else float("nan"),
                "lambda_k": float(top[-1]["value"]) if top else float("nan"),
                "max_eig_median": float(np.median(spec)) if spec.size else float("nan"),
                "max_eig_neg_pct": float(100 * (spec < 0).mean()) if spec.size else float("nan"),
                "trace": float(tr[0]["value"]) if tr else float("nan"),
                "trace_se": float(tr[0]["stderr"]) if tr and tr[0].get("stderr") not in (None, "") else float("nan"),
            }
        )
    return out


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    text = format_table(summary_rows(records), ["model", "condition", "k", "batches"], COLUMNS)
    if not plot:
        return text
    out = Path(out_dir)
    paths = []
    spec = [r for r in records if r["measure"] == "max_eigenvalue"]
    if spec:
        series = {
            f"{m} · {c}": [float(r["value"]) for r in g] for (m, c), g in split(spec, ["model", "condition"]).items()
        }
        size = sorted({int(r["images"]) for r in spec})
        paths.append(
            distribution_plot(
                series,
                out / "hessian_max_eigenvalue.png",
                "dominant Hessian eigenvalue",
                f"Hessian max-eigenvalue spectrum: one per mini-batch of {'/'.join(map(str, size))} images",
            )
        )
    slq_rows = [r for r in records if r["measure"] == "slq"]
    if slq_rows:
        series = {}
        for (m, c), g in split(slq_rows, ["model", "condition"]).items():
            series[f"{m} · {c}"] = [
                (np.array([float(r["value"]) for r in v]), np.array([float(r["weight"]) for r in v]))
                for v in split(g, ["index"]).values()
            ]
        paths.append(
            density_plot(
                series,
                out / "hessian_density.png",
                f"Hessian eigenvalue density (SLQ, {len(split(slq_rows, ['index']))} vector(s), Gaussian-smoothed)",
            )
        )
    top = [r for r in records if r["measure"] == "eigenvalue"]
    if top:
        from intriguing.plots.lines import line_plot

        paths.append(
            line_plot(
                top,
                "index",
                "value",
                ["model", "condition"],
                out / "hessian_top_k.png",
                xlabel="rank (0 = largest magnitude)",
                ylabel="Hessian eigenvalue",
                title=f"top-{max(int(r['index']) for r in top) + 1} Hessian eigenvalues ({top[0]['method']})",
            )
        )
    return text + "".join(f"\nplot: {p}" for p in paths)
