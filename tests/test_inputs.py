"""Bad and unusual input: 16-bit PNGs, unreadable files with their reason, symlink loops, --limit 0, VOC masks,
offline checkpoint paths, figure names, error messages (one sentence each, the rest of the run unharmed)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from intriguing.cli import run_command
from intriguing.data import scan_folder
from intriguing.data.decode import Unreadable, open_rgb
from intriguing.records import read_manifest, read_records


def test_sixteen_bit_png_is_scaled_not_clipped_to_white(tmp_path):
    ramp = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I;16")
    rgb = np.asarray(open_rgb(path))
    assert rgb.shape == (64, 64, 3) and rgb.min() == 0 and rgb.max() == 255
    assert abs(int(rgb[32, 0, 0]) - 128) <= 2  # mid-ramp stays mid-grey (convert("RGB") gives 255 here)


@pytest.mark.parametrize(
    "content, reason", [(b"not an image at all", "not an image"), (b"\xff\xd8\xff\xe0 truncated jpeg", "truncated")]
)
def test_unreadable_files_name_their_reason(tmp_path, content, reason):
    path = tmp_path / "x.jpg"
    path.write_bytes(content)
    with pytest.raises(Unreadable, match=f"x.jpg: {reason}"):
        open_rgb(path)


def test_too_large_image_is_reported_as_such(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 4096 pixels is over twice the limit: a "bomb"
    with pytest.raises(Unreadable, match="too large"):
        open_rgb(path)


def test_a_symlink_loop_does_not_duplicate_images(image_folder):
    before = scan_folder(image_folder)
    os.symlink(image_folder, image_folder / "loop")  # a "class folder" that is the root again
    os.symlink(image_folder / "n02102040", image_folder / "n09999999")  # a second name for a class
    os.symlink(image_folder, image_folder / "n01440764" / "up")  # a nested link back up
    images = scan_folder(image_folder)
    assert images.samples == before.samples and images.classes == before.classes
    assert images.label_space == "imagenet-1k"  # the link did not turn the folder into a 4-class plain folder


def test_limit_zero_is_refused_before_any_folder_is_made(tmp_path, image_folder, capsys):
    for limit in ("0", "-3"):
        code = run_command(
            "occlusion",
            [
                "--models",
                "test_tiny_cnn",
                "--data-path",
                str(image_folder),
                "--limit",
                limit,
                "--out-dir",
                str(tmp_path / "o"),
                "--no-progress",
            ],
        )
        assert code == 2 and "--limit must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_unreadable_images_in_the_transfer_folder_are_skipped_and_reported(tmp_path, image_folder, capsys):
    import shutil

    root = tmp_path / "t"
    for split in ("train", "test"):
        shutil.copytree(image_folder, root / split)
    (root / "test" / "n01440764" / "broken.JPEG").write_bytes(b"garbage")
    code = run_command(
        "transfer",
        [
            "--models",
            "test_tiny_cnn",
            "--dataset",
            "folder",
            "--data-path",
            str(root),
            "--epochs",
            "1",
            "--lrs",
            "1e-3",
            "--weight-decays",
            "0.1",
            "--val-fraction",
            "0.5",
            "--cache-dir",
            "",
            "--out-dir",
            str(tmp_path / "o"),
            "--workers",
            "0",
            "--no-progress",
            "--no-plot",
        ],
    )
    err = capsys.readouterr().err
    assert (
        code == 0 and "1 unreadable image(s) in folder/test were skipped" in err and "broken.JPEG: not an image" in err
    )
    assert read_records(tmp_path / "o")


def test_trailing_slash_on_data_path_is_the_same_configuration(tmp_path, image_folder):
    args = [
        "--models",
        "test_tiny_cnn",
        "--ratios",
        "0",
        "--out-dir",
        str(tmp_path / "o"),
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
    ]
    assert run_command("occlusion", ["--data-path", str(image_folder), *args]) == 0
    assert run_command("occlusion", ["--data-path", str(image_folder) + "/", *args]) == 0
    assert len(read_records(tmp_path / "o")) == 1 and read_manifest(tmp_path / "o")["status"] == "complete"


@pytest.fixture
def voc(tmp_path):
    """A two-image devkit copied from the shared VOC samples."""
    import shutil

    from conftest import shared_path

    src = shared_path("datasets", "voc2012-samples", "VOCdevkit", "VOC2012")
    dst = tmp_path / "VOCdevkit" / "VOC2012"
    names = (src / "ImageSets" / "Segmentation" / "val.txt").read_text().split()[:2]
    for sub, ext in (("JPEGImages", ".jpg"), ("SegmentationClass", ".png")):
        (dst / sub).mkdir(parents=True)
        for n in names:
            shutil.copy(src / sub / f"{n}{ext}", dst / sub / f"{n}{ext}")
    (dst / "ImageSets" / "Segmentation").mkdir(parents=True)
    (dst / "ImageSets" / "Segmentation" / "val.txt").write_text("\n".join(names) + "\n")
    return tmp_path, dst, names


def _segment(root, out, capsys):
    code = run_command(
        "segmentation",
        [
            "--models",
            "test_tiny_vit",
            "--data-path",
            str(root),
            "--input-size",
            "64",
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
            "--no-plot",
        ],
    )
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "damage, message",
    [
        ("missing-folder", "SegmentationClass is missing"),
        ("missing-mask", "is missing (listed in the split file)"),
        ("rgb-mask", "is RGB, not a palette"),
        ("wrong-size", "but its image is"),
    ],
)
def test_voc_problems_are_one_sentence(voc, capsys, damage, message):
    import shutil

    root, dst, names = voc
    mask = dst / "SegmentationClass" / f"{names[0]}.png"
    if damage == "missing-folder":
        shutil.rmtree(dst / "SegmentationClass")
    elif damage == "missing-mask":
        mask.unlink()
    elif damage == "rgb-mask":
        Image.open(mask).convert("RGB").save(mask)
    else:
        Image.open(mask).resize((50, 40), Image.NEAREST).save(mask)
    code, err = _segment(root, root / "out", capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (root / "out").exists() or not read_records(root / "out")


def test_intact_voc_copy_is_scored(voc, capsys):
    root, _, names = voc
    code, _ = _segment(root, root / "out", capsys)
    assert code == 0 and {r["image"] for r in read_records(root / "out")} == set(names)


def test_the_offline_message_names_a_path_the_loader_reads(tmp_path, monkeypatch):
    import torch

    from intriguing.errors import UserError
    from intriguing.zoo import load_model
    from intriguing.zoo.loader import release_filename

    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(UserError) as e:
        load_model("resnet18.tv_in1k")
    where = tmp_path / release_filename("resnet18.tv_in1k")
    assert str(where) in str(e.value)
    torch.save(load_model("resnet18.tv_in1k=random").model.state_dict(), where)  # put it where we were told
    assert load_model("resnet18.tv_in1k").source == str(where)


def test_checkpoint_errors_keep_torchs_explanation(tmp_path):
    import torch

    from intriguing.errors import UserError
    from intriguing.zoo import load_model

    path = tmp_path / "wrong.pth"
    torch.save({"conv1.weight": torch.zeros(3, 3, 3, 3)}, path)
    with pytest.raises(UserError) as e:
        load_model(f"resnet18={path}")
    assert "does not fit model 'resnet18'" in str(e.value) and "(3, 3, 3, 3)" in str(e.value)
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 300)  # a broken zip archive: torch explains at length
    with pytest.raises(UserError) as e:
        load_model(f"resnet18={path}")
    assert str(e.value).startswith(f"Could not read checkpoint {path}")
    assert "was transferred incorrectly, or the file was modified after saving" in str(e.value)  # not cut at 200


def test_did_you_mean_suggests_the_family_of_a_typo(tmp_path, capsys):
    code = run_command("occlusion", ["--models", "deit_tinyy", "--out-dir", str(tmp_path / "o")])
    assert code == 2 and "Did you mean deit_tiny_" in capsys.readouterr().err


def test_figures_of_same_named_images_in_different_folders_do_not_overwrite(tmp_path, capsys):
    for folder in ("a", "b"):
        (tmp_path / "imgs" / folder).mkdir(parents=True)
        Image.fromarray(np.full((32, 32, 3), 60 if folder == "a" else 200, np.uint8)).save(
            tmp_path / "imgs" / folder / "cat.jpg"
        )
    (tmp_path / "imgs" / "a" / "broken.jpg").write_bytes(b"nope")
    code = run_command(
        "segmentation-figures",
        [
            "--models",
            "test_tiny_vit",
            "--data-path",
            str(tmp_path / "imgs"),
            "--input-size",
            "32",
            "--no-per-head",
            "--out-dir",
            str(tmp_path / "o"),
            "--workers",
            "0",
            "--no-progress",
        ],
    )
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "o").rglob("*_grid.png"))
    assert names == ["a__cat_grid.png", "b__cat_grid.png"]
    assert any("broken.jpg: not an image" in s for s in read_manifest(tmp_path / "o")["skipped_images"])
    assert "1 unreadable image(s)" in capsys.readouterr().err


def test_transfer_feature_cache_misses_when_images_are_deleted(tmp_path, image_folder, capsys):
    import shutil

    root = tmp_path / "t"
    for split in ("train", "test"):
        shutil.copytree(image_folder, root / split)
    args = [
        "--models",
        "test_tiny_cnn",
        "--dataset",
        "folder",
        "--data-path",
        str(root),
        "--epochs",
        "1",
        "--lrs",
        "1e-3",
        "--weight-decays",
        "0.1",
        "--val-fraction",
        "0.5",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
    ]
    assert run_command("transfer", [*args, "--out-dir", str(tmp_path / "a")]) == 0
    for f in sorted((root / "test" / "n01440764").iterdir())[:2]:
        f.unlink()
    assert run_command("transfer", [*args, "--out-dir", str(tmp_path / "b")]) == 0
    second = capsys.readouterr()
    assert "(miss" in (second.out + second.err).split("results in")[-1]  # the second run extracted again
    assert {r["n_test"] for r in read_records(tmp_path / "b")} == {10}  # 12 images minus the 2 deleted


def test_calibration_columns_do_not_depend_on_the_batch_size_beyond_float64_rounding(tmp_path, image_folder):
    cols = ("top1", "top5", "nll", "brier", "ece", "ece_signed", "acc90", "unc90", "freq90")
    rows = []
    for bs in ("3", "12"):
        assert (
            run_command(
                "occlusion",
                [
                    "--models",
                    "test_tiny_vit",
                    "--data-path",
                    str(image_folder),
                    "--ratios",
                    "0",
                    "0.5",
                    "--metrics",
                    "topk,calibration",
                    "--batch-size",
                    bs,
                    "--out-dir",
                    str(tmp_path / bs),
                    "--workers",
                    "0",
                    "--no-progress",
                    "--no-plot",
                ],
            )
            == 0
        )
        rows.append(read_records(tmp_path / bs))
    for a, b in zip(*rows):
        assert a["top1"] == b["top1"] and a["top5"] == b["top5"]
        # the fp32 forward pass itself varies with the batch size at rounding level (BLAS blocking); sums are
        # float64, so the columns agree to that rounding: the README states 1e-6
        assert all(
            abs(float(a[c]) - float(b[c])) < 1e-6 or (np.isnan(float(a[c])) and np.isnan(float(b[c]))) for c in cols
        )


def test_segmentation_other_weights_under_the_same_name_are_new_work(voc, capsys):
    import torch

    from intriguing.zoo import load_model

    root, _, names = voc
    for i, name in enumerate(("a.pth", "b.pth")):
        torch.manual_seed(i)
        torch.save(load_model("vit_tiny_patch16_224=random").model.state_dict(), root / name)
    for name in ("a.pth", "b.pth", "a.pth"):
        code = run_command(
            "segmentation",
            [
                "--models",
                f"vit_tiny_patch16_224={root / name}",
                "--data-path",
                str(root),
                "--input-size",
                "64",
                "--out-dir",
                str(root / "out"),
                "--workers",
                "0",
                "--no-progress",
                "--no-plot",
            ],
        )
        assert code == 0
    rows = read_records(root / "out")
    assert len(rows) == 2 * len(names)  # a.pth, b.pth each scored once; a.pth again recomputes nothing
    assert {r["weights"].split(":")[0] for r in rows} == {"a.pth", "b.pth"}
