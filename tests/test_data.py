"""Data: wnid label mapping, plain folders, limits, and bad input (missing, empty, corrupt)."""

from __future__ import annotations

import json

import pytest

from intriguing.cli import run_command as main
from intriguing.data import imagenet_wnids, limit_samples, scan_folder
from intriguing.errors import UserError
from intriguing.records import read_records


def test_wnid_folders_score_1000_way(image_folder):
    s = scan_folder(image_folder)
    assert s.label_space == "imagenet-1k" and s.num_classes == 1000
    assert {label for _, label in s.samples} == {0, 217, 482}  # tench, English springer, cassette player
    assert imagenet_wnids()[217] == "n02102040"


def test_plain_folder_uses_sorted_classes(tmp_path, image_folder):
    (image_folder / "n01440764").rename(image_folder / "zebra_custom")
    s = scan_folder(image_folder)
    assert s.label_space == "folder" and s.classes[-1] == "zebra_custom" and s.num_classes == 3


def test_limit_is_evenly_spaced_and_deterministic(image_folder):
    s = limit_samples(scan_folder(image_folder), 3)
    assert [label for _, label in s.samples] == [0, 217, 482]


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        scan_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no class sub-folders"):
        scan_folder(tmp_path / "empty")
    (tmp_path / "empty" / "n01440764").mkdir()
    with pytest.raises(UserError, match="no images"):
        scan_folder(tmp_path / "empty")


def test_corrupt_image_is_reported_not_silently_dropped(tmp_path, image_folder, capsys):
    bad = image_folder / "n01440764" / "broken.JPEG"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    out = tmp_path / "out"
    code = main(
        "occlusion",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--ratios",
            "0",
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
        ],
    )
    assert code == 0
    assert read_records(out)[0]["n"] == 12  # 13 files, 12 readable
    assert json.loads((out / "manifest.json").read_text())["skipped_images"] == [f"{bad}: truncated"]
    assert "1 unreadable image(s)" in capsys.readouterr().err


def test_missing_data_path_is_one_clear_line(tmp_path, capsys):
    code = main(
        "occlusion",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(tmp_path / "nope"),
            "--out-dir",
            str(tmp_path / "o"),
            "--no-progress",
        ],
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and err.startswith("error: Data folder")


def test_unknown_model_is_one_clear_line(tmp_path, image_folder, capsys):
    code = main("shuffle", ["--models", "resnet_50", "--data-path", str(image_folder), "--out-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "Unknown model 'resnet_50'" in err and "resnet50" in err


def test_class_count_mismatch_is_reported(tmp_path, image_folder, capsys):
    (image_folder / "n01440764").rename(image_folder / "custom")
    code = main(
        "shuffle",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(tmp_path / "o"),
            "--no-progress",
            "--workers",
            "0",
        ],
    )
    assert code == 1 and "predicts 1000 classes" in capsys.readouterr().err


def test_non_square_eval_crop_keeps_the_aspect_ratio():
    """timm's eval pipeline: a non-square input size resizes keeping the aspect ratio, then centre-crops (the old
    hand-written transform squashed it): squares of a checkerboard stay square."""
    import numpy as np
    from PIL import Image

    from intriguing.data import eval_transform

    yy, xx = np.mgrid[0:300, 0:400]
    board = (((yy // 30) + (xx // 30)) % 2 * 255).astype(np.uint8)
    out = eval_transform(((3, 224, 160), 0.875, "bilinear", "center"))(Image.fromarray(board).convert("RGB"))
    assert tuple(out.shape) == (3, 224, 160)
    row, col = out[0, 112].float(), out[0, :, 80].float()
    period = [int(np.diff(np.flatnonzero(np.diff((v > 127).numpy().astype(int)))).mean().round()) for v in (row, col)]
    assert period[0] == period[1]  # squashing 400 -> 182 wide and 300 -> 256 high would make them differ
