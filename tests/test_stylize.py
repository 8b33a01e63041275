"""AdaIN stylization: the statistics it transfers, the release's module layout, and ``intriguing stylize`` end to
end with random weights (mechanics only: no AdaIN weights exist offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from intriguing.cli import run_command
from intriguing.experiments.stylize.adain import RELU4_1, AdaIN, adain, decoder, mean_std, vgg_normalised
from intriguing.records import read_records


def test_adain_output_has_the_style_channel_mean_and_std():
    torch.manual_seed(0)
    content = torch.randn(2, 8, 6, 5) * 3 + 1
    style = torch.randn(2, 8, 7, 4) * 0.5 - 2
    out = adain(content, style)
    (om, os_), (sm, ss) = mean_std(out), mean_std(style)
    assert torch.allclose(om, sm, atol=1e-5) and torch.allclose(os_, ss, atol=1e-3)


def test_networks_have_the_release_module_layout():
    vgg, dec = vgg_normalised(), decoder()
    assert len(vgg) == 53 and isinstance(vgg[RELU4_1 - 1], torch.nn.ReLU)
    assert vgg[RELU4_1 - 2].out_channels == 512 and vgg[0].kernel_size == (1, 1)
    # the keys the release's state dicts hold (conv indices of the reference net.py)
    assert [k for k in vgg.state_dict() if k.endswith("weight")][:4] == ["0.weight", "2.weight", "5.weight", "9.weight"]
    assert [k for k in dec.state_dict() if k.endswith("weight")][:3] == ["1.weight", "5.weight", "8.weight"]
    assert dec[-1].out_channels == 3 and not isinstance(dec[-1], torch.nn.ReLU)
    x = torch.rand(1, 3, 32, 32)
    assert AdaIN(vgg, dec)(x, torch.rand(1, 3, 40, 40)).shape == x.shape


@pytest.fixture
def weights(tmp_path) -> Path:
    torch.manual_seed(0)
    folder = tmp_path / "w"
    folder.mkdir()
    torch.save(vgg_normalised().state_dict(), folder / "vgg_normalised.pth")
    torch.save(decoder().state_dict(), folder / "decoder.pth")
    return folder


def test_stylize_writes_the_folder_and_resumes(image_folder, tmp_path, weights, monkeypatch):
    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(weights))
    styles = tmp_path / "paintings"
    styles.mkdir()
    for i in range(3):
        Image.fromarray(np.full((48, 40, 3), 60 * i, np.uint8)).save(styles / f"p{i}.png")
    args = [
        "--data-path",
        str(image_folder),
        "--style-path",
        str(styles),
        "--target",
        str(tmp_path / "sin"),
        "--content-size",
        "32",
        "--style-size",
        "32",
        "--batch-size",
        "4",
        "--workers",
        "0",
        "--no-progress",
        "--out-dir",
        str(tmp_path / "out"),
    ]
    assert run_command("stylize", args) == 0
    written = sorted(p.relative_to(tmp_path / "sin") for p in (tmp_path / "sin").rglob("*.JPEG"))
    assert written == sorted(p.relative_to(image_folder) for p in image_folder.rglob("*.JPEG"))
    assert Image.open(tmp_path / "sin" / written[0]).size == (32, 32)
    index = (tmp_path / "sin" / "stylize_index.csv").read_text().splitlines()
    assert len(index) == 12 and all(line.split(",")[1].startswith(str(styles)) for line in index)
    assert read_records(tmp_path / "out")[-1]["written"] == 12
    assert run_command("stylize", args) == 0  # resume: nothing left to write
    assert (
        read_records(tmp_path / "out")[-1]["written"] == 0 and read_records(tmp_path / "out")[-1]["already_done"] == 12
    )


def test_missing_weights_are_one_sentence(image_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(tmp_path / "nothing"))
    (tmp_path / "p").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "p" / "a.png")
    code = run_command(
        "stylize",
        [
            "--data-path",
            str(image_folder),
            "--style-path",
            str(tmp_path / "p"),
            "--target",
            str(tmp_path / "sin"),
            "--out-dir",
            str(tmp_path / "o"),
        ],
    )
    err = capsys.readouterr().err
    assert code == 2 and "vgg_normalised.pth" in err and "pytorch-AdaIN/releases" in err and "Traceback" not in err


def test_stylize_takes_no_models(capsys):
    assert run_command("stylize", ["--models", "resnet50"]) == 2
    assert "`intriguing stylize` does not take --models" in capsys.readouterr().err


def _paintings(tmp_path) -> Path:
    styles = tmp_path / "paintings"
    styles.mkdir()
    for i in range(3):
        Image.fromarray(np.full((48, 40, 3), 60 * i, np.uint8)).save(styles / f"p{i}.png")
    return styles


def test_the_index_is_completed_for_images_an_interrupted_run_wrote(image_folder, tmp_path, weights, monkeypatch):
    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(weights))
    args = [
        "--data-path",
        str(image_folder),
        "--style-path",
        str(_paintings(tmp_path)),
        "--target",
        str(tmp_path / "sin"),
        "--content-size",
        "32",
        "--style-size",
        "32",
        "--workers",
        "0",
        "--no-progress",
        "--out-dir",
        str(tmp_path / "out"),
    ]
    assert run_command("stylize", args) == 0
    index = tmp_path / "sin" / "stylize_index.csv"
    full = sorted(index.read_text().splitlines())
    index.write_text("\n".join(full[:5]) + "\n")  # as if killed after 5 index lines: the images are all there
    assert run_command("stylize", args) == 0
    assert sorted(index.read_text().splitlines()) == full  # completed, no duplicates


@pytest.mark.torchrun
def test_torchrun_stylizes_each_image_once_with_the_paintings_of_one_process(image_folder, tmp_path, weights):
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    styles = _paintings(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1", "INTRIGUING_WEIGHTS": str(weights)}

    def args(name):
        return [
            "stylize",
            "--data-path",
            str(image_folder),
            "--style-path",
            str(styles),
            "--target",
            str(tmp_path / name),
            "--content-size",
            "32",
            "--style-size",
            "32",
            "--batch-size",
            "4",
            "--workers",
            "0",
            "--no-progress",
            "--device",
            "cpu",
            "--out-dir",
            str(tmp_path / f"out-{name}"),
        ]

    one = subprocess.run(
        [sys.executable, "-m", "intriguing", *args("one")], env=env, capture_output=True, text=True, timeout=300
    )
    assert one.returncode == 0, one.stderr[-2000:]
    two = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-port",
            "29632",
            "-m",
            "intriguing",
            *args("two"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert two.returncode == 0, two.stderr[-3000:]
    lines = lambda name: sorted((tmp_path / name / "stylize_index.csv").read_text().splitlines())  # noqa: E731
    assert len(lines("two")) == 12 and lines("one") == lines("two")  # same painting per image, each image once
    for p in (tmp_path / "one").rglob("*.JPEG"):
        a = np.asarray(Image.open(p), dtype=int)
        b = np.asarray(Image.open(tmp_path / "two" / p.relative_to(tmp_path / "one")), dtype=int)
        assert np.abs(a - b).max() <= 2  # other batch compositions: float rounding, then JPEG
    assert read_records(tmp_path / "out-two")[-1]["written"] == 12


def test_bad_weights_or_paintings_leave_no_results_folder(image_folder, tmp_path, weights, monkeypatch, capsys):
    """The paintings and both weight files are checked before the results folder is made."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "p" / "a.png")
    base = ["--data-path", str(image_folder), "--target", str(tmp_path / "sin"), "--workers", "0", "--no-progress"]
    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(tmp_path / "nothing"))
    assert run_command("stylize", [*base, "--style-path", str(tmp_path / "p")]) == 2
    assert "vgg_normalised.pth" in capsys.readouterr().err
    (tmp_path / "broken.pth").write_bytes(b"not a checkpoint")
    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(weights))
    assert (
        run_command("stylize", [*base, "--style-path", str(tmp_path / "p"), "--decoder", str(tmp_path / "broken.pth")])
        == 2
    )
    assert "is not the AdaIN decoder.pth release file" in capsys.readouterr().err
    assert run_command("stylize", [*base, "--style-path", str(tmp_path / "none")]) == 2
    assert "Style folder" in capsys.readouterr().err
    assert not (tmp_path / "results").exists() and not (tmp_path / "sin").exists()
