"""Plots as a reader sees them: titles name the data, N images and the key parameter (from the records and the
manifest), accuracy axes span 0-100 while accuracy *drops* keep their sign, colour bars never overlap or leave
the figure, and a reliability diagram comes from every command run with --metrics calibration."""

from __future__ import annotations

import json

import numpy as np
import torch

from intriguing.plots.attention_maps import grid_figure, overlay_figure


def _manifest(out, **extra) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps({"dataset": {"root": "/data/imagenette/val"}, **extra}))


def _bins() -> str:
    return json.dumps({"count": [2] + [0] * 13 + [2], "conf": [0.1] + [0.0] * 13 + [1.9], "correct": [0] * 14 + [2]})


def test_accuracy_axes_span_0_100_but_drops_keep_their_sign(tmp_path, monkeypatch):
    import matplotlib.figure

    from intriguing.plots.lines import line_plot

    limits = []
    records = [
        {"model": "m", "freq": f, "run": 0, "top1": 50.0, "top1_drop": d} for f, d in ((0.1, -12.0), (0.9, 30.0))
    ]
    save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(
        matplotlib.figure.Figure,
        "savefig",  # the axis limits as saved
        lambda fig, *a, **k: limits.append(fig.axes[0].get_ylim()) or save(fig, *a, **k),
    )
    line_plot(records, "freq", "top1", ["model"], tmp_path / "acc.png", ylabel="top-1 accuracy (%)")
    line_plot(records, "freq", "top1_drop", ["model"], tmp_path / "drop.png", ylabel="top-1 drop (percentage points)")
    assert limits[0] == (0, 100)
    assert limits[1][0] < -12.0  # a model that gains accuracy under noise is shown, not cut at 0


def test_salient_drop_title_names_data_images_grid_and_saliency_model(tmp_path, monkeypatch):
    from intriguing.experiments.occlusion import sweep
    from intriguing.plots import curves

    titles = []
    monkeypatch.setattr(curves, "line_plot", lambda *a, **k: titles.append(k["title"]) or tmp_path / "x.png")
    _manifest(tmp_path, saliency_model={"name": "deit_small_patch16_224"})
    records = [
        {
            "model": "m",
            "condition": c,
            "drop_mode": "pixels",
            "dropped": r,
            "grid": "14x14",
            "run": 0,
            "n": 50,
            "top1": 80.0 - 50 * r,
            "top5": 90.0,
        }
        for c in ("random", "salient")
        for r in (0.0, 0.5)
    ]
    sweep.report(records, tmp_path)
    assert titles == ["PatchDrop\nimagenette/val, 50 images, grid 14x14, saliency model deit_small_patch16_224"]


def test_segmentation_title_names_data_images_threshold_and_size(tmp_path):
    from intriguing.experiments.segmentation.sweep import plot_title, summary_rows

    _manifest(tmp_path, config={"threshold": 0.9, "input_size": 512})
    records = [{"model": "m", "token": "cls", "jaccard": j, "jaccard_mean_head": j} for j in (0.2, 0.3, 0.4)]
    title = plot_title(summary_rows(records), tmp_path)
    assert "imagenette/val, 3 images, mass threshold 0.9, 512 px input" in title


def test_per_block_transfer_with_calibration_draws_a_reliability_diagram(tmp_path):
    from intriguing.experiments.transfer.report import report

    _manifest(tmp_path)
    records = [
        {
            "model": "vit",
            "dataset": "imagenet",
            "measure": "own head",
            "mode": "per-block",
            "block": b,
            "features": f"block {b}",
            "run": 0,
            "n": 4,
            "top1": 25.0 * b,
            "top5": 50.0,
            "ece": 10.0,
            "calibration_bins": _bins(),
        }
        for b in (0, 1)
    ]
    text = report(records, tmp_path)
    assert (tmp_path / "reliability.png").stat().st_size > 5000 and "reliability.png" in text


def _overlaps(a, b) -> bool:
    pa, pb = a.get_position(), b.get_position()
    return pa.x0 < pb.x1 - 1e-6 and pb.x0 < pa.x1 - 1e-6 and pa.y0 < pb.y1 - 1e-6 and pb.y0 < pa.y1 - 1e-6


def test_attention_colour_bars_stay_inside_the_figure_and_off_the_panels():
    fig = grid_figure(
        torch.rand(3, 32, 32),
        [torch.rand(4, 4) for _ in range(3)],
        [torch.rand(4, 4) > 0.5 for _ in range(3)],
        torch.rand(4, 4),
        torch.rand(4, 4) > 0.5,
    )
    fig.canvas.draw()  # constrained layout places the axes on draw
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    panels = [ax for ax in fig.axes if ax not in bars]
    assert len(bars) == 1  # one bar for the row of min-max scaled maps
    assert not any(_overlaps(bars[0], p) for p in panels)
    one = overlay_figure(np.random.default_rng(0).random((32, 32, 3)), heat=np.arange(16.0).reshape(4, 4))
    one.canvas.draw()
    bar = [ax for ax in one.axes if ax.get_label() == "<colorbar>"][0]
    box = bar.get_position()
    assert 0 <= box.x0 and box.x1 <= 1 and not _overlaps(bar, one.axes[0])  # the whole bar is in the PNG
