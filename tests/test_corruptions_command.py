"""evaluate_corruptions end to end: on the fly, ImageNet-C folders, CIFAR-10-C arrays; a real CIFAR ResNet."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import SHARED  # noqa: E402  (one definition, in conftest.py)
from intriguing.cli import run_command as main
from intriguing.corruptions import corrupt_batch
from intriguing.records import read_records
from intriguing.zoo.cifar_resnet import FILES

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "64"]


def _cifar():
    root, data = SHARED / "weights" / "cifar10-resnet", SHARED / "datasets" / "cifar10" / "test"
    if not root.is_dir() or not data.is_dir():
        pytest.skip("../shared CIFAR-10 data absent")
    return f"cifar10_resnet20={root / FILES[20]}", data


def test_on_the_fly_tiny_models_and_imagenet_c_folders(tmp_path, image_folder):
    out = tmp_path / "otf"
    code = main(
        "corruption",
        [
            "--models",
            "test_tiny_vit,test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(out),
            "--corruptions",
            "contrast,fog",
            "--severities",
            "1,5",
            "--metrics",
            "topk,calibration",
            *ARGS,
        ],
    )
    assert code == 0
    recs = read_records(out)
    assert len(recs) == 2 * (1 + 2 * 2)
    assert {(r["corruption"], r["severity"]) for r in recs} == {
        ("clean", 0),
        ("contrast", 1),
        ("contrast", 5),
        ("fog", 1),
        ("fog", 5),
    }
    assert (out / "corruption_severity.png").is_file() and (out / "corruption_errors.png").is_file()
    rows = list(csv.DictReader(open(out / "corruption_errors.csv")))
    assert len(rows) == 4 and all(r["ce"] == "nan" and r["severities"] == "2" for r in rows)  # CE needs all 5
    # worker processes and another batch size give the very same corrupted images, hence the same records
    out_w = tmp_path / "otf_workers"
    assert (
        main(
            "corruption",
            [
                "--models",
                "test_tiny_vit,test_tiny_cnn",
                "--data-path",
                str(image_folder),
                "--out-dir",
                str(out_w),
                "--corruptions",
                "contrast,fog",
                "--severities",
                "1,5",
                "--metrics",
                "topk,calibration",
                "--no-plot",
                "--no-progress",
                "--workers",
                "2",
                "--batch-size",
                "5",
            ],
        )
        == 0
    )
    key = lambda r: (r["model"], r["corruption"], r["severity"])  # noqa: E731
    nll = {key(r): r["nll"] for r in recs}
    assert {key(r): r["nll"] for r in read_records(out_w)} == pytest.approx(nll, rel=1e-5)
    assert len(set(nll.values())) > 3  # the conditions really differ
    # the same images laid out as ImageNet-C (<c>/<s>/<wnid>/) are read as pre-rendered sets
    inc = tmp_path / "imagenet-c"
    for s in range(1, 6):
        shutil.copytree(image_folder, inc / "fog" / str(s))
    out2 = tmp_path / "pre"
    assert (
        main(
            "corruption",
            [
                "--models",
                "test_tiny_cnn",
                "--data-path",
                str(image_folder),
                "--out-dir",
                str(out2),
                "--corrupted-path",
                str(inc),
                "--corruptions",
                "fog",
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out2)
    assert [r["severity"] for r in recs] == [0, 1, 2, 3, 4, 5]
    assert len({r["top1"] for r in recs}) == 1  # identical images -> identical accuracy
    summary = list(csv.DictReader(open(out2 / "mce.csv")))[0]
    assert float(summary["mce"]) == pytest.approx(100 * (1 - recs[0]["top1"] / 100) / 0.819324, rel=1e-4)


def test_real_cifar_resnet_on_the_fly_and_cifar_c_arrays(tmp_path):
    spec, data = _cifar()
    out = tmp_path / "otf"
    assert (
        main(
            "corruption",
            [
                "--models",
                spec,
                "--data-path",
                str(data),
                "--limit",
                "96",
                "--out-dir",
                str(out),
                "--corruptions",
                "gaussian_noise",
                "--severities",
                "1,5",
                "--no-plot",
                *ARGS,
            ],
        )
        == 0
    )
    recs = {r["severity"]: r["top1"] for r in read_records(out)}
    assert 72 <= recs[0] <= 92  # clean accuracy on these JPEGs (~81-83%)
    assert recs[5] < recs[1] < recs[0]  # more noise, more errors
    summary = list(csv.DictReader(open(out / "mce.csv")))[0]
    assert summary["mce"] == "nan" and float(summary["mean_corruption_error"]) > float(summary["clean_error"])
    assert summary["n_corruptions"] == "0"  # CE needs all five severities
    # a CIFAR-10-C-style folder (5 blocks of N images + labels.npy) built from real test images
    paths = sorted(p for d in sorted(data.iterdir()) for p in sorted(d.iterdir())[:4])
    labels = np.repeat(np.arange(10), 4)
    x = torch.stack([torch.from_numpy(np.array(Image.open(p).convert("RGB"))).permute(2, 0, 1) for p in paths])
    blocks = [corrupt_batch(x.float() / 255, "contrast", s, torch.Generator().manual_seed(s)) for s in range(1, 6)]
    cc = tmp_path / "cifar-c"
    cc.mkdir()
    arr = (torch.cat(blocks) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    np.save(cc / "contrast.npy", arr)
    np.save(cc / "labels.npy", np.tile(labels, 5))
    out2 = tmp_path / "pre"
    assert (
        main(
            "corruption",
            [
                "--models",
                spec,
                "--data-path",
                str(data),
                "--limit",
                "40",
                "--out-dir",
                str(out2),
                "--corrupted-path",
                str(cc),
                "--corruptions",
                "contrast",
                "--no-plot",
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out2)
    assert [r["severity"] for r in recs] == [0, 1, 2, 3, 4, 5] and all(r["n"] == 40 for r in recs)
    assert recs[5]["top1"] < recs[0]["top1"]


def test_cifar_c_arrays_honour_paper_compat_calibration_binning(tmp_path):
    """The CIFAR-10-C array loop builds its own metrics: --paper-compat must reach them (the original's 10 bins)
    as it reaches the engine's."""
    from intriguing.metrics.calibration import bins_from_record

    spec, data = _cifar()
    cc = tmp_path / "cifar-c"
    cc.mkdir()
    rng = np.random.default_rng(0)
    np.save(cc / "contrast.npy", rng.integers(0, 256, size=(5 * 8, 32, 32, 3), dtype=np.uint8))
    np.save(cc / "labels.npy", np.tile(np.arange(8) % 10, 5))
    bins = {}
    for flag in ([], ["--paper-compat"]):
        out = tmp_path / f"out{len(flag)}"
        assert (
            main(
                "corruption",
                [
                    "--models",
                    spec,
                    "--data-path",
                    str(data),
                    "--limit",
                    "8",
                    "--out-dir",
                    str(out),
                    "--corrupted-path",
                    str(cc),
                    "--corruptions",
                    "contrast",
                    "--severities",
                    "1",
                    "--metrics",
                    "topk,calibration",
                    "--no-plot",
                    *flag,
                    *ARGS,
                ],
            )
            == 0
        )
        bins[bool(flag)] = {
            len(bins_from_record(r["calibration_bins"])["count"]) for r in read_records(out) if r["severity"] == 1
        }
    assert bins == {False: {15}, True: {10}}


def test_cifar_c_arrays_run_through_the_engine_with_per_image_records(tmp_path):
    """The array blocks are an engine data source: per-image rows name the block and row, their mean is the
    record's top-1, and the record carries the engine's bootstrap CI."""
    from intriguing.records import read_per_image

    spec, data = _cifar()
    cc = tmp_path / "cifar-c"
    cc.mkdir()
    rng = np.random.default_rng(1)
    np.save(cc / "contrast.npy", rng.integers(0, 256, size=(5 * 6, 32, 32, 3), dtype=np.uint8))
    np.save(cc / "labels.npy", np.tile(np.arange(6) % 10, 5))
    out = tmp_path / "out"
    assert (
        main(
            "corruption",
            [
                "--models",
                spec,
                "--data-path",
                str(data),
                "--limit",
                "6",
                "--out-dir",
                str(out),
                "--corrupted-path",
                str(cc),
                "--corruptions",
                "contrast",
                "--severities",
                "2",
                "--per-image",
                "--batch-size",
                "4",
                "--no-plot",
                *ARGS,
            ],
        )
        == 0
    )
    rec = [r for r in read_records(out) if r["severity"] == 2][0]
    rows = [r for r in read_per_image(out) if r["severity"] == "2"]
    assert sorted(r["path"] for r in rows) == sorted(f"contrast.npy:severity2#{i}" for i in range(6))
    assert [int(r["label"]) for r in sorted(rows, key=lambda r: int(r["image"]))] == list(np.arange(6) % 10)
    assert rec["top1"] == pytest.approx(100 * np.mean([int(r["correct1"]) for r in rows]))
    assert rec["top1_ci_low"] <= rec["top1"] <= rec["top1_ci_high"]
