"""analyze_fourier end to end: a tiny random ViT and a real CIFAR-10 ResNet, records, plots, resume."""

from __future__ import annotations

import json

import pytest
import torch

from conftest import SHARED  # noqa: E402  (one definition, in conftest.py)
from intriguing.cli import run_command as main
from intriguing.records import read_records
from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD, ZOO, ZooEntry

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "16"]


def test_fourier_on_tiny_vit_and_cnn(tmp_path, image_folder):
    out = tmp_path / "f"
    code = main(
        "fourier",
        ["--models", "test_tiny_vit,test_tiny_cnn", "--data-path", str(image_folder), "--out-dir", str(out), *ARGS],
    )
    assert code == 0
    recs = read_records(out)
    vit = [r for r in recs if r["model"] == "test_tiny_vit"]
    kinds = [r["kind"] for r in vit if r["freq"] == 0]
    assert kinds == ["stem", "attn", "mlp", "attn", "mlp"]
    assert {r["n_images"] for r in recs} == {12}
    assert all(r["delta_log_amplitude"] == 0 for r in recs if r["freq"] == 0)
    assert max(r["freq"] for r in vit) == 1.0 and len({r["height"] for r in vit}) == 1  # one token grid
    assert {r["kind"] for r in recs if r["model"] == "test_tiny_cnn"} == {"stem", "block"}
    for name in ("fourier_curves.png", "fourier_high_freq.png", "feature_variance.png"):
        assert (out / name).stat().st_size > 5000
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["analysis"] == "fourier"
    assert (
        main(
            "fourier",
            ["--models", "test_tiny_vit,test_tiny_cnn", "--data-path", str(image_folder), "--out-dir", str(out), *ARGS],
        )
        == 0
    )
    assert read_records(out) == recs  # a rerun finds every model done


def test_fourier_on_real_cifar_resnet(tmp_path):
    weights = SHARED / "weights" / "cifar10-resnet" / "resnet20-12fca82f.th"
    data = SHARED / "datasets" / "cifar10" / "test"
    if not weights.is_file() or not data.is_dir():
        pytest.skip("../shared CIFAR-10 data absent")
    out = tmp_path / "c"
    assert (
        main(
            "fourier",
            [
                "--models",
                f"cifar10_resnet20={weights}",
                "--data-path",
                str(data),
                "--limit",
                "64",
                "--out-dir",
                str(out),
                "--no-plot",
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    blocks = {r["block"]: r for r in recs if r["freq"] == 1.0}
    assert len(blocks) == 10 and {r["height"] for r in blocks.values()} == {32, 16, 8}
    # a trained CNN's stream gains high-frequency content with depth (Park & Kim Fig. 8, ResNet)
    assert blocks["layer3.2"]["delta_log_amplitude"] > blocks["stem"]["delta_log_amplitude"] + 1


def test_model_without_blocks_fails_alone(tmp_path, image_folder):
    if "test_no_blocks" not in ZOO:
        ZOO.register(
            "test_no_blocks",
            ZooEntry(
                name="test_no_blocks",
                description="a plain conv stack",
                data_config=dict(
                    input_size=(3, 64, 64),
                    interpolation="bilinear",
                    mean=IMAGENET_MEAN,
                    std=IMAGENET_STD,
                    crop_pct=0.875,
                    crop_mode="center",
                ),
                build=lambda c, p: torch.nn.Sequential(
                    torch.nn.Conv2d(3, 4, 3),
                    torch.nn.AdaptiveAvgPool2d(1),
                    torch.nn.Flatten(),
                    torch.nn.Linear(4, 1000),
                ).eval(),
            ),
        )
    out = tmp_path / "nb"
    code = main(
        "fourier",
        [
            "--models",
            "test_no_blocks,test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(out),
            "--no-plot",
            *ARGS,
        ],
    )
    assert code == 1  # one model failed, the other still ran
    assert {r["model"] for r in read_records(out)} == {"test_tiny_cnn"}
    man = json.loads((out / "manifest.json").read_text())
    assert "residual blocks" in man["failed_models"]["test_no_blocks"]


def test_fourier_interrupted_mid_batch_resumes_without_counting_twice(tmp_path, image_folder, monkeypatch):
    """Ctrl-C in the second model's forward of batch 2, after the first model counted that batch (issue 9 item 1
    for Fourier's own loop): the resumed records equal an uninterrupted run."""
    from intriguing.zoo.bundle import ModelBundle

    args = [
        "--models",
        "test_tiny_vit,test_tiny_cnn",
        "--data-path",
        str(image_folder),
        "--batch-size",
        "5",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
    ]
    assert main("fourier", [*args, "--out-dir", str(tmp_path / "ref")]) == 0
    real, calls = ModelBundle.__call__, []

    def flaky(self, x):
        if self.name == "test_tiny_cnn":
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
        return real(self, x)

    monkeypatch.setattr(ModelBundle, "__call__", flaky)
    assert main("fourier", [*args, "--out-dir", str(tmp_path / "out")]) == 130
    monkeypatch.setattr(ModelBundle, "__call__", real)
    assert main("fourier", [*args, "--out-dir", str(tmp_path / "out")]) == 0
    ref, out = read_records(tmp_path / "ref"), read_records(tmp_path / "out")
    assert {r["n_images"] for r in out} == {12} and out == ref


def test_fourier_other_weights_under_the_same_name_are_new_work(tmp_path, image_folder):
    import torch

    from intriguing.zoo import load_model

    for i, name in enumerate(("a.pth", "b.pth")):
        torch.manual_seed(i)
        torch.save(load_model("resnet10t=random").model.state_dict(), tmp_path / name)
    for name in ("a.pth", "b.pth"):
        assert (
            main(
                "fourier",
                [
                    "--models",
                    f"resnet10t={tmp_path / name}",
                    "--data-path",
                    str(image_folder),
                    "--limit",
                    "2",
                    "--out-dir",
                    str(tmp_path / "o"),
                    "--workers",
                    "0",
                    "--no-progress",
                    "--no-plot",
                ],
            )
            == 0
        )
    assert {r["weights"].split(":")[0] for r in read_records(tmp_path / "o")} == {"a.pth", "b.pth"}
