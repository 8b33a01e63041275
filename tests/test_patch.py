"""Universal adversarial patches: learning lowers a real model's accuracy (EfficientNet-Lite0, real ImageNet weights,
real Imagenette images), the command's records / saved patches / reuse, and its one-sentence errors."""

from __future__ import annotations

import json

import pytest
import torch

from intriguing.attacks.patch import paste_patch, patch_positions, patch_side
from intriguing.cli import run_command as main
from intriguing.cli.main import main as cli_main
from intriguing.data import limit_samples, make_loader, scan_folder
from intriguing.experiments.patch.train import learn_patch, load_patch, patch_file
from intriguing.records import read_records
from intriguing.seeding import generator
from intriguing.zoo import load_model
from tests.conftest import shared_path

ARGS = ["--workers", "0", "--no-progress", "--device", "cpu"]


def _accuracy(bundle, x, y, patch, area, seed=0) -> float:
    side = patch_side(area, tuple(x.shape[-2:]))
    pos = patch_positions(torch.arange(len(x)), side, tuple(x.shape[-2:]), seed, "eval", area)
    with torch.inference_mode():
        return float((bundle(paste_patch(x, patch, pos)).argmax(-1) == y).float().mean())


@pytest.mark.slow
def test_learning_a_patch_lowers_a_real_models_accuracy():
    train, val = shared_path("datasets", "imagenette", "train"), shared_path("datasets", "imagenette", "val")
    b = load_model("efficientnet_lite0")
    learned = learn_patch(
        b,
        scan_folder(train),
        0.15,
        steps=24,
        batch=8,
        lr=0.1,
        target=None,
        seed=0,
        workers=0,
        device=torch.device("cpu"),
        progress=False,
    )
    side = patch_side(0.15, tuple(b.input_size))
    assert learned.shape == (3, side, side) and 0 <= learned.min() and learned.max() <= 1
    start = torch.rand(3, side, side, generator=generator(0, "patch-init", b.name, 0.15))  # what training began with
    batch = next(iter(make_loader(limit_samples(scan_folder(val), 24), [b.geometry], 24, 0)))
    x, y = batch.views[b.geometry].float() / 255, batch.labels
    before, after = _accuracy(b, x, y, start, 0.15), _accuracy(b, x, y, learned, 0.15)
    assert after <= before - 0.25, (before, after)  # held-out images, unseen placements


def test_patch_command_records_saved_patches_and_reuse(tmp_path, image_folder):
    common = [
        "--models",
        "test_tiny_cnn=random,test_tiny_vit=random",
        "--data-path",
        str(image_folder),
        "--limit",
        "6",
        "--areas",
        "0.1",
        "0.3",
        "--runs",
        "2",
        "--no-plot",
        *ARGS,
    ]
    out = tmp_path / "learn"
    assert (
        main(
            "patch",
            [
                *common,
                "--train-path",
                str(image_folder),
                "--steps",
                "2",
                "--train-batch",
                "4",
                "--transfer",
                "--samples",
                "2",
                "--out-dir",
                str(out),
            ],
        )
        == 0
    )
    recs = read_records(out)
    # every model x every source patch x area x run
    models = ("test_tiny_cnn=random", "test_tiny_vit=random")
    assert {(r["model"], r["source"], r["area"], r["run"]) for r in recs} == {
        (m, s, a, r) for m in models for s in models for a in (0.1, 0.3) for r in (0, 1)
    } | {(m, m, 0.0, 0) for m in models}  # area 0: each model's clean reference
    # rates in percent, as top1: fooled is a multiple of 100 / 6 here, and 0 without a patch
    assert all(0 <= r["fooled"] <= 100 and r["n"] == 6 and r["target_class"] == -1 for r in recs)
    for r in recs:
        assert abs(r["fooled"] * 6 / 100 - round(r["fooled"] * 6 / 100)) < 1e-6
        assert r["clean_top1"] == next(c["top1"] for c in recs if c["area"] == 0 and c["model"] == r["model"])
        if r["area"] == 0:
            assert r["fooled"] == 0 and r["top1"] == r["clean_top1"]
    saved = load_patch(patch_file(out / "patches", "test_tiny_vit=random", 0.3))
    assert saved["model"] == "test_tiny_vit=random" and saved["area"] == 0.3 and saved["steps"] == 2
    assert saved["target_class"] is None and (out / "patches" / "test_tiny_vit_random__area0.3.png").is_file()
    assert (out / "patches.png").is_file()
    # `intriguing report` redraws the patches' picture from patch_samples.npz (no model is loaded)
    (out / "patches.png").unlink()
    assert cli_main(["report", str(out)]) == 0 and (out / "patches.png").stat().st_size > 5_000
    # evaluating the saved patches again (no training) gives the same records
    again = tmp_path / "again"
    assert (
        main(
            "patch",
            [*common, "--load-patches", str(out / "patches"), "--transfer", "--samples", "0", "--out-dir", str(again)],
        )
        == 0
    )
    key = lambda rs: sorted((r["model"], r["source"], r["area"], r["run"], r["top1"], r["fooled"]) for r in rs)
    assert key(read_records(again)) == key(recs)


def test_patch_command_errors_are_one_sentence(tmp_path, image_folder, capsys):
    base = ["--models", "test_tiny_cnn=random", "--data-path", str(image_folder), "--limit", "2", *ARGS]
    assert main("patch", [*base, "--out-dir", str(tmp_path / "a")]) == 2
    assert "--train-path" in capsys.readouterr().err
    assert (
        main("patch", [*base, "--train-path", str(image_folder), "--areas", "1.5", "--out-dir", str(tmp_path / "b")])
        == 2
    )
    # a folder without this model's patch: that model fails with the file it looked for, no traceback
    assert main("patch", [*base, "--load-patches", str(tmp_path), "--out-dir", str(tmp_path / "c")]) != 0
    err = capsys.readouterr().err
    assert "No saved patch" in err and "Traceback" not in err
    assert json.loads((tmp_path / "c" / "manifest.json").read_text())["failed_models"]


def test_targeted_patch_raises_the_recorded_target_hit_rate(tmp_path):
    """A small net on images it classifies correctly: training towards --target-class lifts ``hit_target`` (in %)
    from the clean reference (area 0) and from a 1-step patch to (nearly) every image; reliability.png is drawn
    from the calibration columns of the patched images."""
    from robust_helpers import NET, predicted_images

    folder = predicted_images(tmp_path / "imgs", n=16)
    common = [
        "--models",
        NET,
        "--data-path",
        str(folder),
        "--train-path",
        str(folder),
        "--areas",
        "0.25",
        "--runs",
        "2",
        "--train-batch",
        "8",
        "--lr",
        "0.1",
        "--target-class",
        "5",
        "--metrics",
        "topk,calibration",
        "--samples",
        "2",
        *ARGS,
    ]
    rates = {}
    for steps in (1, 20):
        out = tmp_path / f"steps{steps}"
        assert main("patch", [*common, "--steps", str(steps), "--out-dir", str(out)]) == 0
        recs = read_records(out)
        assert all(r["target_class"] == 5 and r["ece"] >= 0 for r in recs)
        clean = [r["hit_target"] for r in recs if r["area"] == 0]
        rates[steps] = sum(r["hit_target"] for r in recs if r["area"] > 0) / 2
        assert (out / "reliability.png").stat().st_size > 10_000 and (out / "patches.png").is_file()
    assert clean == [12.5]  # 2 of the 16 images are of class 5 without any patch
    assert rates[1] < 80 and rates[20] >= 95 and rates[20] > rates[1] + 20, rates


def test_the_patch_figure_is_drawn_from_the_saved_samples_without_running_a_model(tmp_path, image_folder, monkeypatch):
    """The evaluation saves what the figure shows (patch_samples.npz: pixels and both predictions); the report
    draws it with no model at hand (it once ran the models itself, importing the sweep back: an import cycle)."""
    import numpy as np

    from intriguing.experiments.patch import report
    from intriguing.experiments.patch.config import Config
    from intriguing.experiments.patch.samples import save_samples
    from intriguing.zoo.bundle import ModelBundle

    b = load_model("test_tiny_cnn=random")
    config = Config(train_path=str(image_folder), areas=(0.1,), samples=2, steps=3, train_batch=4, target_class=7)
    patch = torch.rand(3, 9, 9, generator=torch.Generator().manual_seed(0))
    images = scan_folder(str(image_folder))
    path = save_samples({(b.name, 0.1): patch}, [b], images, config, tmp_path / report.SAMPLES)
    with np.load(path, allow_pickle=False) as npz:
        data = {k: npz[k] for k in npz.files}
    assert data["names"].tolist() == [b.name] and data["areas"].tolist() == [0.1] and int(data["target_class"]) == 7
    x = next(iter(make_loader(limit_samples(images, 2), [b.geometry], 2, 0))).views[b.geometry].float() / 255
    with torch.inference_mode():
        assert data["before0"].tolist() == b(x).argmax(-1).tolist()  # the clean predictions of those images
    assert data["pasted0"].shape == (2, *x.shape[1:]) and data["pasted0"].dtype == np.uint8
    assert np.array_equal(data["patch0"], (patch * 255).round().to(torch.uint8).numpy())
    # the patch's pixels sit on the first sample at the evaluation's first placement
    side = patch_side(0.1, tuple(x.shape[-2:]))
    r, c = patch_positions(torch.arange(1), side, tuple(x.shape[-2:]), config.seed, "patch-eval", 0.1, 0)[0].tolist()
    assert not np.array_equal(data["pasted0"][0], (x[0] * 255).round().to(torch.uint8).numpy())
    assert (data["pasted0"][0][:, r : r + side, c : c + side].shape[-1]) == side

    def no_model(*a, **k):
        raise AssertionError("the report ran a model")

    monkeypatch.setattr(ModelBundle, "__call__", no_model)
    out = report.patch_figure(path, tmp_path / "patches.png")
    assert out.stat().st_size > 5_000
