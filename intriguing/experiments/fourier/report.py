"""Fourier-analysis summary and plots, drawn from the records alone.

* ``fourier_curves.png``: Δ log amplitude vs frequency, one curve per block coloured by depth
  (Park & Kim Fig. 2a), one panel per model.
* ``fourier_high_freq.png``: the highest-frequency Δ log amplitude vs normalised depth, attention
  sub-blocks shaded grey and subsampling blocks blue (Fig. 2b / 8).
* ``feature_variance.png``: feature-map variance vs normalised depth, same shading (Fig. 9).

The summary's key column is the mean *change* of the high-frequency value across each block kind:
negative = the block removes high frequencies (low-pass, the paper's claim for MSAs), positive =
it amplifies them (MLPs, convolutions).
"""

from __future__ import annotations

from pathlib import Path

from intriguing.records import format_table


def per_block(records: list[dict]) -> dict[str, list[dict]]:
    """Model -> its blocks in depth order, each with the high-frequency value (the row at max freq)."""
    out: dict[str, dict[str, dict]] = {}
    for r in records:
        blocks = out.setdefault(r["model"], {})
        b = blocks.get(r["block"])
        if b is None or float(r["freq"]) > float(b["freq"]):
            blocks[r["block"]] = r
    return {m: sorted(b.values(), key=lambda r: int(r["index"])) for m, b in out.items()}


def kind_summary(blocks: list[dict]) -> list[dict]:
    """Mean change of the high-frequency value and of the variance across blocks of each kind."""
    acc: dict[str, list[tuple]] = {}
    for prev, cur in zip(blocks, blocks[1:]):
        acc.setdefault(cur["kind"], []).append(
            (
                float(cur["delta_log_amplitude"]) - float(prev["delta_log_amplitude"]),
                float(cur["variance"]) - float(prev["variance"]),
            )
        )
    return [
        {
            "kind": k,
            "blocks": len(v),
            "d_high_freq": sum(a for a, _ in v) / len(v),
            "d_variance": sum(b for _, b in v) / len(v),
            "runs": 1,
        }
        for k, v in acc.items()
    ]


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    out_dir = Path(out_dir)
    models = per_block(records)
    rows = []
    for model, blocks in models.items():
        for k in kind_summary(blocks):
            rows.append({"model": model, **k})
        last = blocks[-1]
        rows.append(
            {
                "model": model,
                "kind": "last block",
                "blocks": 1,
                "runs": 1,
                "d_high_freq": float(last["delta_log_amplitude"]),
                "d_variance": float(last["variance"]),
            }
        )
    text = (
        "change per block kind of the high-frequency Δ log amplitude and of the feature-map variance\n"
        "(< 0: low-pass / variance-reducing; 'last block' rows give the values themselves):\n"
    )
    text += format_table(rows, ["model", "kind", "blocks"], ["d_high_freq", "d_variance"])
    n = {m: int(b[0]["n_images"]) for m, b in models.items()}
    text += "\nimages averaged: " + ", ".join(f"{m}: {k}" for m, k in n.items())
    if plot:
        from intriguing.plots.lines import describe_data

        counts = sorted(set(n.values()))
        images = f"{counts[0]} images" if len(counts) == 1 else f"{counts[0]}-{counts[-1]} images"
        what = ", ".join(p for p in (describe_data([], out_dir), images) if p)  # dataset folder from the manifest
        for p in (
            _curves(records, models, out_dir / "fourier_curves.png", f"Fourier of feature maps per block\n{what}"),
            _depth_plot(
                models,
                "delta_log_amplitude",
                "Δ log amp. at highest freq.",
                out_dir / "fourier_high_freq.png",
                f"High-frequency Δ log amplitude\n{what}",
            ),
            _depth_plot(
                models,
                "variance",
                "feature map variance",
                out_dir / "feature_variance.png",
                f"Feature-map variance\n{what}",
            ),
        ):
            text += f"\nplot: {p}"
    return text


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _curves(records: list[dict], models: dict[str, list[dict]], out_path: Path, title: str = "") -> Path:
    plt = _plt()
    from matplotlib import cm

    fig, axes = plt.subplots(1, len(models), figsize=(3.4 * len(models), 3.8), dpi=100, squeeze=False)
    for ax, (model, blocks) in zip(axes[0], models.items()):
        for b in blocks:
            pts = sorted(
                (float(r["freq"]), float(r["delta_log_amplitude"]))
                for r in records
                if r["model"] == model and r["block"] == b["block"]
            )
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=cm.plasma_r(float(b["depth"])), lw=1.2)
        ax.set_xlim(0, max(float(r["freq"]) for r in records if r["model"] == model))
        ax.set_xlabel("frequency (×π)")
        ax.set_title(model, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("Δ log amplitude")
    sm = cm.ScalarMappable(cmap="plasma_r", norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=axes[0].tolist(), label="normalised depth", fraction=0.03)
    fig.suptitle(title, fontsize=10, y=1.02)
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path


def _depth_plot(models: dict[str, list[dict]], key: str, ylabel: str, out_path: Path, title: str = "") -> Path:
    """One row per model: value vs normalised depth, the span ending at each attention sub-block shaded."""
    plt = _plt()
    fig, axes = plt.subplots(len(models), 1, figsize=(6.4, 2.4 * len(models)), dpi=100, squeeze=False, sharex=True)
    for ax, (model, blocks) in zip(axes[:, 0], models.items()):
        depths = [float(b["depth"]) for b in blocks]
        for prev, b in zip(blocks, blocks[1:]):
            if b["kind"] == "attn":
                ax.axvspan(float(prev["depth"]), float(b["depth"]), color="tab:gray", alpha=0.2, lw=0)
            elif int(b["height"]) < int(prev["height"]):  # subsampling (strided conv / pooling), as in the paper
                ax.axvspan(float(prev["depth"]), float(b["depth"]), color="tab:blue", alpha=0.15, lw=0)
        ax.plot(
            depths,
            [float(b[key]) for b in blocks],
            marker="o",
            ms=3.5,
            color="tab:red" if any(b["kind"] == "attn" for b in blocks) else "tab:blue",
        )
        ax.set_title(model, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1][0].set_xlabel("normalised depth (grey: attention sub-blocks, blue: subsampling)")
    axes[-1][0].set_xlim(0, 1)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(out_path, bbox_inches="tight")
    plt.close(fig)
    return out_path
