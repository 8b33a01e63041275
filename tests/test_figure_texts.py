"""Every figure a command draws, checked as saved: no text outside the canvas (a clipped suptitle or axis label),
no axes title over another axes, and the labels a reader needs (legend words, whole-number epochs, the data set
and its image count). Each command runs on tiny models and a few images, with ``Figure.savefig`` checked
(``tests/figure_checks.py``)."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest

from conftest import shared_path
from figure_checks import check_saved_figures, drawn_texts, outside
from intriguing.cli import run_command

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ARGS = ["--workers", "0", "--no-progress", "--device", "cpu"]
TINY = "test_tiny_vit,test_tiny_cnn"


def texts(saved: dict, name: str) -> list:
    return [t for t, _ in saved[name]["texts"]]


def draw(command: str, argv: list, out) -> dict:
    with check_saved_figures() as saved:
        assert run_command(command, [*argv, *ARGS, "--out-dir", str(out)]) == 0
    assert saved, f"{command} drew nothing"
    return saved


def test_the_check_finds_a_clipped_title_and_an_overlapping_row_title():
    fig, axes = plt.subplots(2, 1, figsize=(2, 3))
    fig.suptitle("a suptitle far too long for a two-inch figure, cut off on both sides")
    assert outside(fig, drawn_texts(fig)) and not outside(fig, drawn_texts(fig), "tight")
    from figure_checks import title_overlaps

    axes[1].set_title("a\nrow\ntitle\nof\nmany\nlines")
    assert title_overlaps(fig)
    plt.close(fig)


# (command, its arguments); the folders: image_folder (12 noise images, 3 ImageNet classes) unless named
SWEEPS = {
    "occlusion": ["--models", TINY, "--ratios", "0", "0.5", "--metrics", "topk,calibration"],
    "shuffle": ["--models", TINY, "--grids", "1", "2"],
    "per-block": ["--models", TINY, "--limit", "4"],
    "fourier": ["--models", TINY, "--limit", "4"],
    "freq-noise": ["--models", TINY, "--limit", "4"],
    "corruption": ["--models", "test_tiny_cnn", "--corruptions", "fog", "--severities", "1", "--limit", "4"],
    "adversarial": [
        "--models",
        TINY,
        "--attacks",
        "fgsm",
        "--eps",
        "0",
        "1",
        "--pictures",
        "2",
        "--transfer",
        "--limit",
        "4",
    ],
    "landscape": ["--models", TINY, "--points", "3", "--batches", "1", "--batch-size", "2", "--data", "clean"],
    "hessian": [
        "--models",
        "test_tiny_vit",
        "--batches",
        "2",
        "--batch-size",
        "2",
        "--top-k",
        "2",
        "--lanczos-steps",
        "3",
        "--power-iters",
        "3",
        "--trace-samples",
        "2",
        "--slq-vectors",
        "2",
    ],
}


@pytest.mark.parametrize("command", SWEEPS)
def test_every_text_of_every_figure_lies_inside_its_canvas(command, image_folder, tmp_path):
    draw(command, ["--data-path", str(image_folder), *SWEEPS[command]], tmp_path / command)


def test_landscape_1d_and_a_long_suptitle(image_folder, tmp_path):
    """The 2-D landscape's suptitle, wider than one panel, is wrapped instead of cut off on both sides."""
    saved = draw(
        "landscape",
        [
            "--data-path",
            str(image_folder),
            "--models",
            "test_tiny_cnn",
            "--points",
            "3",
            "--batches",
            "1",
            "--batch-size",
            "2",
            "--data",
            "clean",
        ],
        tmp_path / "2d",
    )
    assert any("loss landscape" in t and "\n" in t for t in texts(saved, "landscape_contour.png"))
    draw(
        "landscape",
        [
            "--data-path",
            str(image_folder),
            "--models",
            "test_tiny_cnn",
            "--points",
            "3",
            "--batches",
            "1",
            "--batch-size",
            "2",
            "--data",
            "clean",
            "--dims",
            "1",
        ],
        tmp_path / "1d",
    )


def test_lesion_and_feature_correlation_legends_say_fraction(image_folder, tmp_path):
    saved = draw(
        "lesion",
        ["--data-path", str(image_folder), "--models", TINY, "--fractions", "0.25", "--limit", "4"],
        tmp_path / "lesion",
    )
    assert "test_tiny_vit / fraction 0.25" in texts(saved, "lesion.png")
    assert "test_tiny_cnn / fraction 0.25" in texts(saved, "lesion.png")
    saved = draw(
        "feature-correlation",
        ["--data-path", str(image_folder), "--models", TINY, "--ratios", "0.5", "--limit", "4"],
        tmp_path / "fc",
    )
    assert "test_tiny_cnn / fraction dropped 0.5" in texts(saved, "feature_correlation.png")


def test_attention_figures_segmentation_and_shape_bias(tmp_path):
    voc = shared_path("datasets", "voc2012-samples")
    draw(
        "segmentation",
        ["--data-path", str(voc), "--models", "test_tiny_vit", "--input-size", "64", "--limit", "2"],
        tmp_path / "seg",
    )
    saved = draw(
        "segmentation-figures",
        ["--data-path", str(voc), "--models", "test_tiny_vit", "--input-size", "64", "--limit", "1"],
        tmp_path / "fig",
    )
    assert any(name.endswith("_grid.png") for name in saved)
    cue = shared_path("datasets", "cue-conflict", "cue-conflict")
    draw("shape-bias", ["--data-path", str(cue), "--models", "test_tiny_cnn", "--limit", "32"], tmp_path / "sb")


def test_one_epoch_has_a_whole_number_axis_and_the_titles_name_the_data(image_folder, tmp_path):
    saved = draw(
        "train",
        [
            "--data-path",
            str(image_folder),
            "--val-path",
            str(image_folder),
            "--models",
            "vit_tiny_patch16_224",
            "--img-size",
            "32",
            "--batch-size",
            "4",
            "--epochs",
            "1",
            "--warmup-epochs",
            "0",
        ],
        tmp_path / "train",
    )
    val = texts(saved, "val_top1.png")
    assert not [t for t in val if re.fullmatch(r"0\.9\d|1\.0\d", t)]  # no 0.96 .. 1.04 axis
    ticks = [t for t in val if re.fullmatch(r"\d+(\.\d+)?", t)]
    assert "1" in ticks and not [t for t in ticks if "." in t and float(t) not in (0, 20, 40, 60, 80, 100)]
    folder = "/".join(image_folder.parts[-2:])
    assert f"Validation accuracy per epoch\n{folder}, 12 validation images" in val
    assert f"Training loss\n{folder}, 12 training images" in texts(saved, "train_loss.png")


def test_validate_bar_labels_stay_inside_the_frame(image_folder, tmp_path, monkeypatch):
    from intriguing.experiments.validate import report

    with check_saved_figures() as saved:
        report.bar_plot(
            [
                {"model": "m", "dataset": "val", "top1": 100.0, "n": 12},
                {"model": "m", "dataset": "v2", "top1": 35.0, "n": 12},
            ],
            ["val", "v2"],
            tmp_path / "v.png",
        )
    (frame,) = saved["v.png"]["axes"]
    for text, e in saved["v.png"]["texts"]:
        if text in ("100.0", "35.0"):
            assert e.y1 <= frame.y1 and e.y0 >= frame.y0, text  # the label of a 100% bar under the top line


def test_patch_figures_rows_do_not_overlap(image_folder, tmp_path):
    saved = draw(
        "patch",
        [
            "--data-path",
            str(image_folder),
            "--train-path",
            str(image_folder),
            "--models",
            "test_tiny_vit=random,test_tiny_cnn=random",
            "--limit",
            "3",
            "--areas",
            "0.1",
            "--steps",
            "1",
            "--train-batch",
            "2",
            "--samples",
            "2",
            "--transfer",
        ],
        tmp_path / "patch",
    )
    assert {"patches.png", "patch_transfer.png", "patch_accuracy.png"} <= set(saved)


def test_transfer_titles_name_the_data_set_and_its_images(split_folder, image_folder, tmp_path):
    base = [
        "--data-path",
        str(split_folder),
        "--dataset",
        "folder",
        "--models",
        TINY,
        "--blocks",
        "last1",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    saved = draw("transfer", [*base, "--epochs", "2", "--lrs", "1e-2", "--weight-decays", "1e-4"], tmp_path / "lin")
    folder = "/".join(split_folder.parts[-2:])  # the folder itself, not the word "folder"
    title = next(t for t in texts(saved, "transfer_linear.png") if t.startswith("Linear probe"))
    assert title.endswith(f"\n{folder}: 15 train + 3 validation, 12 test images")
    saved = draw(
        "transfer",
        [*base, "--mode", "fewshot", "--ways", "3", "--shots", "1", "--queries", "2", "--episodes", "3"],
        tmp_path / "few",
    )
    title = next(t for t in texts(saved, "transfer_fewshot.png") if t.startswith("Few-shot"))
    assert title.endswith(f"\n{folder}: 12 test images") and f"{folder} 3w1s" in texts(saved, "transfer_fewshot.png")
    draw(
        "transfer",
        ["--data-path", str(image_folder), "--mode", "per-block", "--models", "test_tiny_vit"],
        tmp_path / "pb",
    )


def test_validate_and_the_imagenet_x_factor_figures(image_folder, tmp_path):
    draw(
        "validate",
        [
            "--models",
            "test_tiny_cnn",
            "--sets",
            f"val={image_folder}",
            f"v2={image_folder}",
            "--metrics",
            "topk,calibration",
        ],
        tmp_path / "val",
    )
    from intriguing.annotations.factors import error_ratios
    from intriguing.plots.factors import factor_bars, factor_trend

    rng = np.random.default_rng(0)
    names = ["pose", "background", "pattern", "color", "smaller", "shape", "partial_view", "subcategory"]
    ratios = [
        error_ratios(rng.random(40) < p, rng.random((40, len(names))) < 0.3, resamples=50) for p in (0.3, 0.5, 0.7)
    ]
    with check_saved_figures() as saved:
        factor_bars(
            [("clean", [("deit_small_patch16_224", ratios[0]), ("resnet50.tv_in1k", ratios[1])])],
            names,
            5,
            tmp_path / "factors.png",
            "ImageNet-X error ratios\nimagenette/val, 40 images",
        )
        factor_trend(
            {"deit_small_patch16_224": [(0.0, ratios[0]), (0.5, ratios[1]), (0.9, ratios[2])]},
            names,
            "ratio",
            5,
            tmp_path / "trend.png",
            "ImageNet-X error ratios along the drop ratio",
        )
    assert set(saved) == {"factors.png", "trend.png"}
