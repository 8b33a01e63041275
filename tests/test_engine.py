"""The engine's guarantees, by fault injection: CUDA out-of-memory back-off, one failing model never sinks the
others, per-image outcomes and bootstrap CIs, and torchrun (gloo, 2 processes) records equal to one process."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO
from intriguing.cli import run_command
from intriguing.engine.outcomes import bootstrap_ci
from intriguing.errors import UserError
from intriguing.experiments.occlusion import sweep as occlusion
from intriguing.records import read_manifest, read_records
from intriguing.records.per_image import read as read_per_image
from intriguing.zoo.bundle import ModelBundle

ARGS = ["--workers", "0", "--no-progress", "--no-plot", "--ratios", "0", "0.5", "--runs", "2"]


def run(tmp_path, image_folder, *extra, models="test_tiny_vit,test_tiny_cnn", out="out"):
    return run_command(
        "occlusion",
        ["--models", models, "--data-path", str(image_folder), "--out-dir", str(tmp_path / out), *ARGS, *extra],
    )


def metric_view(rows):
    return sorted((r["model"], r["ratio"], r["run"], r["n"], r["top1"], r["top5"]) for r in rows)


def test_cuda_out_of_memory_halves_the_batch_with_identical_records(tmp_path, image_folder, monkeypatch, capsys):
    assert run(tmp_path, image_folder, "--batch-size", "6", out="ref") == 0
    real, sizes = ModelBundle.__call__, []

    def tight(self, x01):
        sizes.append(len(x01))
        if len(x01) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")
        return real(self, x01)

    monkeypatch.setattr(ModelBundle, "__call__", tight)
    capsys.readouterr()
    assert run(tmp_path, image_folder, "--batch-size", "6") == 0
    assert max(sizes) == 6 and 2 in sizes  # tried the whole batch, then halves of halves
    # the first batch fails at 6 and at 3 for each model; after that each model's batches are split to the size that
    # ran (2) up front: no other forward of more than 2 images is tried (without the limit: 6 + 4 per model)
    assert sum(s > 2 for s in sizes) == 4
    assert metric_view(read_records(tmp_path / "out")) == metric_view(read_records(tmp_path / "ref"))
    # 6 -> 3 + 3, the first 3 -> 1 + 2: two halvings per model, counted ...
    assert read_manifest(tmp_path / "out")["oom_backoffs"] == {"test_tiny_vit": 2, "test_tiny_cnn": 2}
    assert read_manifest(tmp_path / "ref")["oom_backoffs"] == {}
    # ... and logged: the first of each model as a warning, the others at debug level (shown with --verbose)
    err = capsys.readouterr().err
    first = "CUDA out of memory at batch size 6; retrying in halves of 3 (back-off 1 of this model"
    assert [line.split(":")[1].strip() for line in err.splitlines() if "out of memory" in line] == [
        "test_tiny_vit",
        "test_tiny_cnn",
    ] and f"warning: test_tiny_vit: {first}" in err
    assert run(tmp_path, image_folder, "--batch-size", "6", "--verbose", out="verbose") == 0
    err = capsys.readouterr().err
    assert "debug: test_tiny_vit: CUDA out of memory at batch size 3; retrying in halves of 1 (back-off 2 " in err
    assert read_manifest(tmp_path / "verbose")["oom_backoffs"] == {"test_tiny_vit": 2, "test_tiny_cnn": 2}


@pytest.mark.parametrize("error", [RuntimeError("size mismatch"), UserError("grid too large")])
def test_an_error_in_one_model_drops_that_model_only(tmp_path, image_folder, monkeypatch, capsys, error):
    real = occlusion.OcclusionSweep.evaluate

    def broken(self, bundle, cond, x, batch):
        if bundle.name == "test_tiny_vit":
            raise error
        return real(self, bundle, cond, x, batch)

    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", broken)
    assert run(tmp_path, image_folder, "--batch-size", "6") == 1
    assert {r["model"] for r in read_records(tmp_path / "out")} == {"test_tiny_cnn"}
    why = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"  # a sentence as it is
    err = capsys.readouterr().err  # the reason once, as it happens; the closing line names the model
    assert f"model test_tiny_vit failed and is skipped: {why}" in err and err.count(why) == 1
    assert "failed: test_tiny_vit (reason above)" in err


def test_per_image_outcomes_match_the_records_and_carry_a_ci(tmp_path, image_folder):
    assert run(tmp_path, image_folder, "--batch-size", "5", "--per-image") == 0
    records, rows = read_records(tmp_path / "out"), read_per_image(tmp_path / "out")
    assert len(rows) == 12 * len(records)  # every image under every (model, condition, run)
    for r in records:
        mine = [
            x
            for x in rows
            if x["model"] == r["model"] and float(x["ratio"]) == r["ratio"] and int(x["run"]) == r["run"]
        ]
        assert sorted(int(x["image"]) for x in mine) == list(range(12))
        assert 100 * np.mean([int(x["correct1"]) for x in mine]) == pytest.approx(r["top1"])
        assert r["top1_ci_low"] <= r["top1"] <= r["top1_ci_high"]
        assert {x["path"].split("/")[0] for x in mine} == {"n01440764", "n02102040", "n02979186"}


def test_bootstrap_ci_matches_resampling_images():
    rng = np.random.default_rng(0)
    correct = rng.random(400) < 0.7
    lo, hi = bootstrap_ci(correct, seed=1)
    draws = correct[rng.integers(0, 400, size=(4000, 400))].mean(1) * 100  # the textbook bootstrap
    assert lo == pytest.approx(np.quantile(draws, 0.025), abs=0.6)
    assert hi == pytest.approx(np.quantile(draws, 0.975), abs=0.6)
    assert bootstrap_ci(np.ones(50, bool), seed=0) == (100.0, 100.0)


@pytest.mark.torchrun
def test_torchrun_with_two_processes_gives_the_records_of_one(tmp_path, image_folder):
    args = [
        "--models",
        "resnet10t=random",
        "--data-path",
        str(image_folder),
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--ratios",
        "0",
        "0.5",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--device",
        "cpu",
        "--per-image",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    single = subprocess.run(
        [sys.executable, "-m", "intriguing", "occlusion", *args, "--out-dir", str(tmp_path / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert single.returncode == 0, single.stderr[-2000:]
    multi = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-port",
            "29533",
            "-m",
            "intriguing",
            "occlusion",
            *args,
            "--out-dir",
            str(tmp_path / "two"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert multi.returncode == 0, multi.stderr[-3000:]
    one, two = read_records(tmp_path / "one"), read_records(tmp_path / "two")
    drop = ("top1_ci_low", "top1_ci_high")
    assert [{k: v for k, v in r.items() if k not in drop} for r in one] == [
        {k: v for k, v in r.items() if k not in drop} for r in two
    ]
    assert [(r["top1_ci_low"], r["top1_ci_high"]) for r in one] == [(r["top1_ci_low"], r["top1_ci_high"]) for r in two]
    # conf too: one thread per process on both sides, so the float sums run in the same order (README, torchrun)
    key = lambda rows: sorted(
        (x["image"], x["ratio"], x["run"], x["correct1"], x["pred"], x["conf"])  # noqa: E731
        for x in rows
    )
    assert key(read_per_image(tmp_path / "one")) == key(read_per_image(tmp_path / "two"))
    assert not list((tmp_path / "two").glob("partial*"))
    assert read_manifest(tmp_path / "two")["ranks"] == 2 and read_manifest(tmp_path / "one")["ranks"] == 1
    assert read_manifest(tmp_path / "two")["threads"] == read_manifest(tmp_path / "one")["threads"] == 1


@pytest.mark.torchrun
def test_torchrun_fourier_spectra_are_the_records_of_one_process(tmp_path, image_folder):
    """Fourier's spectra go through the engine: each rank reduces its own images, rank 0 merges. 5 images in batches
    of 2 split 3 + 2 over the ranks, so the ranks' batches differ from one process's ({0,1},{2} + {3,4} vs {0,1},
    {2,3},{4}): the records are still identical because the spectra are summed as exact integers."""
    args = [
        "--models",
        "resnet10t=random",
        "--data-path",
        str(image_folder),
        "--limit",
        "5",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--batch-size",
        "2",
        "--device",
        "cpu",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    one = subprocess.run(
        [sys.executable, "-m", "intriguing", "fourier", *args, "--out-dir", str(tmp_path / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
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
            "29547",
            "-m",
            "intriguing",
            "fourier",
            *args,
            "--out-dir",
            str(tmp_path / "two"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert two.returncode == 0, two.stderr[-3000:]
    assert read_records(tmp_path / "one") == read_records(tmp_path / "two") and read_records(tmp_path / "two")
    assert not list((tmp_path / "two").glob("partial*"))


@pytest.mark.torchrun
def test_torchrun_segmentation_gives_the_records_of_one_process(tmp_path):
    """Segmentation runs through the engine too: 2 ranks score 3 + 2 of the 5 VOC images and rank 0 merges."""
    from tests.conftest import shared_path

    voc = shared_path("datasets", "voc2012-samples")
    args = [
        "--models",
        "deit_tiny_patch16_224=random",
        "--data-path",
        str(voc),
        "--limit",
        "5",
        "--input-size",
        "64",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--batch-size",
        "2",
        "--device",
        "cpu",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    one = subprocess.run(
        [sys.executable, "-m", "intriguing", "segmentation", *args, "--out-dir", str(tmp_path / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
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
            "29549",
            "-m",
            "intriguing",
            "segmentation",
            *args,
            "--out-dir",
            str(tmp_path / "two"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert two.returncode == 0, two.stderr[-3000:]
    recs = read_records(tmp_path / "one")
    assert len(recs) == 5 and read_records(tmp_path / "two") == recs
