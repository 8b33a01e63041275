"""A sweep over a folder with unreadable images scores the rest and lists each skipped file with its reason in
manifest.json; a 16-bit PNG in the folder is decoded by the same decoder (scaled, not white)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from intriguing.cli import run_command
from intriguing.data import scan_folder
from intriguing.data.views import MultiViewDataset
from intriguing.records import read_manifest, read_records

GEOMETRY = ((3, 64, 64), 1.0, "bilinear", "center")


def test_sweep_manifest_lists_each_skipped_image_with_its_reason(tmp_path, image_folder, capsys):
    cls = image_folder / "n01440764"
    (cls / "garbage.JPEG").write_bytes(b"this is no image")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (80, 80, 3), dtype=np.uint8)).save(cls / "cut.JPEG")
    data = (cls / "cut.JPEG").read_bytes()
    (cls / "cut.JPEG").write_bytes(data[: len(data) // 2])
    code = run_command(
        "occlusion",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--ratios",
            "0",
            "--out-dir",
            str(tmp_path / "o"),
            "--workers",
            "0",
            "--no-progress",
            "--no-plot",
        ],
    )
    assert code == 0
    skipped = read_manifest(tmp_path / "o")["skipped_images"]
    assert sorted(skipped) == [f"{cls / 'cut.JPEG'}: truncated", f"{cls / 'garbage.JPEG'}: not an image"]
    assert int(read_records(tmp_path / "o")[0]["n"]) == 12  # the 12 readable images, each once
    assert "2 unreadable image(s) were not scored" in capsys.readouterr().err


def test_sixteen_bit_png_in_a_sweep_folder_is_scaled(tmp_path, image_folder):
    ramp = np.tile(np.linspace(0, 65535, 64), (64, 1)).astype(np.uint16)
    Image.fromarray(ramp).save(image_folder / "n01440764" / "deep.png")
    images = scan_folder(image_folder)
    i = [p for p, _ in images.samples].index(str(image_folder / "n01440764" / "deep.png"))
    views, _, _, _ = MultiViewDataset(images.samples, [GEOMETRY])[i]
    x = views[0].float()
    assert x.shape == (3, 64, 64) and x.min() < 10 and 100 < x.mean() < 155  # convert("RGB") makes it all 255
