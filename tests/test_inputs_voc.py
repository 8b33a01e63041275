"""VOC decoding goes through the toolkit's one decoder: a 16-bit image is scaled, not white; an undecodable
image or a bad --limit is one sentence naming the problem."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from intriguing.errors import UserError
from intriguing.segmentation.voc import VOCSegmentationSet


def _devkit(root, image_writer):
    base = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (base / sub).mkdir(parents=True)
    image_writer(base / "JPEGImages" / "a.jpg")
    mask = Image.fromarray(np.zeros((40, 48), np.uint8), mode="L").convert("P")
    mask.save(base / "SegmentationClass" / "a.png")
    (base / "ImageSets" / "Segmentation" / "val.txt").write_text("a\n")
    return base


def test_sixteen_bit_voc_image_is_scaled_not_white(tmp_path):
    def deep(path):  # a 16-bit greyscale ramp (PIL opens by content, whatever the extension)
        ramp = np.tile(np.linspace(0, 65535, 48), (40, 1)).astype(np.uint16)
        Image.fromarray(ramp).save(path, format="PNG")

    _devkit(tmp_path, deep)
    image = VOCSegmentationSet(tmp_path, size=48)[0]["image"]
    assert image.shape == (3, 48, 48)
    assert float(image.min()) < 0.05 and 0.4 < float(image.mean()) < 0.6  # convert("RGB") gives all 1.0 here


def test_an_undecodable_voc_image_is_one_sentence_naming_it(tmp_path):
    def truncated(path):
        rng = np.random.default_rng(0)
        Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(path, format="JPEG")
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])  # headers intact (the pair check passes), data cut

    base = _devkit(tmp_path, truncated)
    ds = VOCSegmentationSet(tmp_path, size=48)
    with pytest.raises(UserError, match=rf"VOC image {base / 'JPEGImages' / 'a.jpg'}: truncated; restore it"):
        ds[0]


def test_voc_limit_below_one_is_refused(tmp_path):
    _devkit(tmp_path, lambda p: Image.fromarray(np.zeros((40, 48, 3), np.uint8)).save(p, format="JPEG"))
    with pytest.raises(UserError, match="--limit must be at least 1"):
        VOCSegmentationSet(tmp_path, size=48, limit=0)
    assert len(VOCSegmentationSet(tmp_path, size=48, limit=5)) == 1


def test_a_voc_file_whose_header_is_unreadable_is_named_alone(tmp_path):
    base = _devkit(tmp_path, lambda p: p.write_bytes(b"\xff\xd8\xff\xe0 cut"))
    with pytest.raises(UserError) as e:
        VOCSegmentationSet(tmp_path, size=48)
    assert str(e.value).startswith(f"VOC image {base / 'JPEGImages' / 'a.jpg'} cannot be read")
    assert "a.png" not in str(e.value)  # the intact mask is not blamed


def _greyscale_mask_devkit(root, values):
    """A devkit whose mask is a palette mask converted to greyscale: palette colours became grey levels."""
    base = _devkit(root, lambda p: Image.fromarray(np.zeros((40, 48, 3), np.uint8)).save(p, format="JPEG"))
    arr = np.zeros((40, 48), np.uint8)
    for i, v in enumerate(values):
        arr[i * 4 : (i + 1) * 4] = v
    Image.fromarray(arr, mode="L").save(base / "SegmentationClass" / "a.png")
    return base / "SegmentationClass" / "a.png"


def _bad_values_message(path, shown):
    return (
        f"VOC mask {path} holds the value(s) {shown}, which are not class indices (0 = background, 1-20 classes, "
        f"255 = void); it is probably a converted colour mask: restore the original palette PNG or remove a from "
        f"the split."
    )


@pytest.mark.parametrize("command", ["segmentation", "segmentation-figures"])
def test_a_mask_with_values_that_are_not_classes_is_refused_before_anything_runs(command, tmp_path, capsys):
    from intriguing.cli import run_command

    path = _greyscale_mask_devkit(tmp_path, [0, 38, 220, 255])
    out = tmp_path / "out"
    code = run_command(
        command,
        [
            "--models",
            "test_tiny_vit",
            "--data-path",
            str(tmp_path),
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
            "--input-size",
            "48",
        ],
    )
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err.strip() == "error: " + _bad_values_message(path, "38, 220")


def test_class_index_masks_pass_and_a_bad_one_is_named_when_indexed_directly(tmp_path):
    path = _greyscale_mask_devkit(tmp_path, [0, 1, 20, 255])
    ds = VOCSegmentationSet(tmp_path, size=48)
    ds.check_masks([0])
    assert set(np.unique(ds[0]["target"].numpy())) == {0, 1, 20, 255}
    _greyscale_mask_devkit(tmp_path / "bad", [21, 254])
    with pytest.raises(UserError) as e:
        VOCSegmentationSet(tmp_path / "bad", size=48)[0]
    assert str(e.value) == _bad_values_message(tmp_path / "bad" / path.relative_to(tmp_path), "21, 254")
