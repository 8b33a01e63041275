"""visualize_segmentation end to end: VOC (with ground truth) and a plain image folder, on CPU."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from conftest import shared_path
from intriguing.cli import run_command
from intriguing.experiments.segmentation_figures.figures import folder_name


def visualize_main(argv):
    return run_command("segmentation-figures", argv)


ARGS = ["--workers", "0", "--no-progress", "--device", "cpu"]


def test_voc_figures_per_head_mean_and_grid(tmp_path):
    voc = shared_path("datasets", "voc2012-samples")
    out = tmp_path / "vis"
    code = visualize_main(
        [
            "--models",
            "test_tiny_vit",
            "--data-path",
            str(voc),
            "--out-dir",
            str(out),
            "--limit",
            "2",
            "--input-size",
            "224",
            *ARGS,
        ]
    )
    assert code == 0
    files = sorted(p.name for p in (out / "test_tiny_vit").iterdir())
    # 2 images x (2 heads + mean + grid); limit takes the first and last image (evenly spaced)
    assert files == sorted(
        f"{s}_{k}.png" for s in ("sample_000000", "sample_000582") for k in ("head0", "head1", "mean", "grid")
    )
    for name in files:
        with Image.open(out / "test_tiny_vit" / name) as im:
            assert im.format == "PNG" and im.width >= 200


def test_image_folder_and_no_per_head(tmp_path):
    src = tmp_path / "imgs" / "sub"
    src.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (60 + 10 * i, 80, 3), dtype=np.uint8)).save(src / f"im{i}.png")
    Image.fromarray(rng.integers(0, 255, (50, 50), dtype=np.uint8)).save(src / "gray.jpg")  # grayscale is fine
    out = tmp_path / "vis"
    code = visualize_main(
        [
            "--models",
            "test_tiny_vit=random",
            "--data-path",
            str(tmp_path / "imgs"),
            "--out-dir",
            str(out),
            "--input-size",
            "64",
            "--no-per-head",
            *ARGS,
        ]
    )
    assert code == 0
    sub = out / folder_name("test_tiny_vit=random", "cls", ("cls",))
    assert sub.name == "test_tiny_vit_random"
    assert sorted(p.name for p in sub.iterdir()) == sorted(
        f"sub__{s}_{k}.png" for s in ("gray", "im0", "im1", "im2") for k in ("mean", "grid")
    )


def test_missing_folder_and_wrong_token_exit_2(tmp_path, capsys):
    code = visualize_main(["--models", "test_tiny_vit", "--data-path", str(tmp_path / "none"), *ARGS])
    assert code == 2 and "does not exist" in capsys.readouterr().err
    (tmp_path / "a").mkdir()
    Image.new("RGB", (32, 32)).save(tmp_path / "a" / "x.png")
    code = visualize_main(
        [
            "--models",
            "test_tiny_vit",
            "--data-path",
            str(tmp_path / "a"),
            "--tokens",
            "dist",
            "--out-dir",
            str(tmp_path / "o"),
            "--input-size",
            "32",
            *ARGS,
        ]
    )
    assert code == 2 and "no distillation token" in capsys.readouterr().err


def test_paper_compat_feeds_unnormalised_pixels(monkeypatch, tmp_path):
    from intriguing.experiments.segmentation_figures import figures as segmentation_vis

    seen = []
    real = segmentation_vis.token_attention
    monkeypatch.setattr(
        segmentation_vis, "token_attention", lambda m, x, *a, **k: seen.append(x.clone()) or real(m, x, *a, **k)
    )
    (tmp_path / "a").mkdir()
    Image.fromarray(np.full((32, 32, 3), 255, np.uint8)).save(tmp_path / "a" / "white.png")
    for extra in ([], ["--paper-compat"]):
        code = visualize_main(
            [
                "--models",
                "test_tiny_vit",
                "--data-path",
                str(tmp_path / "a"),
                "--input-size",
                "32",
                "--out-dir",
                str(tmp_path / f"o{len(extra)}"),
                "--no-per-head",
                *extra,
                *ARGS,
            ]
        )
        assert code == 0
    assert torch.allclose(seen[0][0, 0], torch.tensor((1 - 0.485) / 0.229))  # own (ImageNet) statistics
    assert torch.allclose(seen[1], torch.ones_like(seen[1]))  # the original: raw [0, 1]
