"""evaluate_frequency_noise end to end: tiny random models (mechanics) and real CIFAR-10 ResNets (behaviour)."""

from __future__ import annotations

import json

import pytest

from conftest import SHARED  # noqa: E402  (one definition, in conftest.py)
from intriguing.cli import run_command as main
from intriguing.experiments.freq_noise.sweep import with_drops
from intriguing.records import read_records
from intriguing.zoo.cifar_resnet import FILES

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "64"]


def test_tiny_models_one_pass_with_calibration(tmp_path, image_folder):
    out = tmp_path / "n"
    code = main(
        "freq-noise",
        [
            "--models",
            "test_tiny_vit,test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(out),
            "--freqs",
            "0.1",
            "0.9",
            "--runs",
            "2",
            "--metrics",
            "topk,calibration",
            *ARGS,
        ],
    )
    assert code == 0
    recs = read_records(out)
    assert len(recs) == 2 * (1 + 2 * 2)  # models x (clean + freqs x runs)
    assert {"ece", "nll", "brier", "acc90", "calibration_bins"} <= set(recs[0])
    assert len(with_drops(recs)) == 8
    assert (out / "freq_noise.png").stat().st_size > 5000 and (out / "reliability.png").stat().st_size > 5000
    man = json.loads((out / "manifest.json").read_text())
    assert man["config"]["eps"] == 0.16 and man["config"]["noise_space"] == "pixel" and man["status"] == "complete"
    assert {(r["eps"], r["space"]) for r in recs if r["condition"] == "band_noise"} == {(0.16, "pixel")}
    code = main(
        "freq-noise",
        [
            "--models",
            "test_tiny_vit",
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(tmp_path / "bad"),
            "--freqs",
            "3",
            *ARGS,
        ],
    )
    assert code == 2  # out-of-range frequency: one clear error, exit 2


def test_real_cifar_resnets_lose_more_to_high_frequency_noise(tmp_path):
    root = SHARED / "weights" / "cifar10-resnet"
    data = SHARED / "datasets" / "cifar10" / "test"
    if not root.is_dir() or not data.is_dir():
        pytest.skip("../shared CIFAR-10 data absent")
    models = ",".join(f"cifar10_resnet{d}={root / FILES[d]}" for d in (20, 32))
    out = tmp_path / "c"
    assert (
        main(
            "freq-noise",
            [
                "--models",
                models,
                "--data-path",
                str(data),
                "--limit",
                "96",
                "--out-dir",
                str(out),
                "--freqs",
                "0.1",
                "0.9",
                "--no-plot",
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    for model in ("cifar10_resnet20", "cifar10_resnet32"):
        clean = next(r for r in recs if r["model"] == model and r["condition"] == "clean")
        assert 72 <= clean["top1"] <= 92, clean  # ~81-83% on these JPEG re-encodings
        drop = {r["freq"]: r["top1_drop"] for r in with_drops(recs) if r["model"] == model}
        assert drop[0.9] > drop[0.1] + 10  # CNNs are vulnerable to high-frequency noise (Park & Kim Fig. 2c)


def test_pixel_space_noise_is_the_same_for_models_with_different_normalisation(image_folder):
    import torch

    from intriguing.data import limit_samples, make_loader, scan_folder
    from intriguing.experiments.freq_noise.config import Config
    from intriguing.experiments.freq_noise.sweep import FrequencyNoiseSweep
    from intriguing.zoo import load_model

    a, b = load_model("test_tiny_vit"), load_model("test_tiny_cnn")
    b.data_config = {**b.data_config, "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}  # another normalisation
    pixels = {}

    def spy(bundle):
        real = bundle.model.forward
        mean = torch.tensor(bundle.data_config["mean"]).view(1, 3, 1, 1)
        std = torch.tensor(bundle.data_config["std"]).view(1, 3, 1, 1)

        def forward(x):
            pixels.setdefault(bundle.name, []).append(x * std + mean)  # back to the [0, 1] pixels it was given
            return real(x)

        bundle.model.forward = forward

    spy(a)
    spy(b)
    sweep = FrequencyNoiseSweep(Config(freqs=(0.5,)))
    batch = next(iter(make_loader(limit_samples(scan_folder(image_folder), 4), [a.geometry], 4, 0)))
    sweep.prepare(batch)
    x01 = batch.views[a.geometry].float() / 255
    for bundle in (a, b):
        conds = [c.condition for c in sweep.conditions(bundle) if sweep.evaluate(bundle, c, x01, batch)]
        assert conds == ["clean", "band_noise"]
    noisy_a, noisy_b = pixels[a.name][1], pixels[b.name][1]
    assert not torch.allclose(noisy_a, x01, atol=1e-3)  # noise was added
    assert torch.allclose(noisy_a, noisy_b, atol=1e-5)  # the same [0, 1] pixels reached both models
