"""Progress bars count what the user waits for (images, Hessian-vector products), with a time left, instead of
batches: a 60-image run in one batch showed ``0/1`` until it ended, and ``hessian`` printed nothing for minutes."""

from __future__ import annotations

import re

import torch

from intriguing.engine.progress import bar, counted
from intriguing.experiments.hessian.config import Config as HessianConfig
from intriguing.experiments.hessian.spectra import ModelSpectra
from test_curvature_quadratic import MU, WD, quadratic, rotation


def test_counted_ticks_each_items_size_with_a_time_left(capsys):
    batches = [list(range(4)), list(range(4)), list(range(2))]
    seen = list(counted(batches, 10, len, "demo", "img"))
    err = capsys.readouterr().err
    assert seen == batches and "10/10" in err and "img" in err
    assert re.search(r"\d\d:\d\d<\d\d:\d\d", err)  # elapsed<remaining: the ETA


def test_hessian_bar_counts_minibatch_hvps_and_settles_to_what_the_solvers_used(capsys):
    q = rotation(8)
    model, batches = quadratic(MU, q, per_batch=4)  # 2 mini-batches
    config = HessianConfig(
        measures=("top-k", "spectrum", "trace", "density"),
        batches=2,
        top_k=3,
        lanczos_steps=8,
        power_iters=3000,
        tol=1e-10,
        trace_samples=5,
        slq_vectors=2,
        weight_decay=WD,
    )
    rows: list[dict] = []
    ms = ModelSpectra(config, model, list(model.parameters()), batches, "clean", set(), rows.extend)
    # at most: top-k 8 Lanczos steps, trace 5 probes, density 2 x 8 steps (each over 2 batches), spectrum 3000
    # power iterations per batch (over 1)
    assert ms.budget() == 2 * (8 + 5 + 16) + 2 * 3000
    ms.bar = bar(ms.budget(), "quadratic clean", "HVP")
    ms.top_k(), ms.spectrum(), ms.trace(), ms.density()
    ms.bar.close()
    by = lambda m: [r for r in rows if r["measure"] == m]  # noqa: E731
    used = 2 * (by("eigenvalue")[0]["hvps"] + by("trace")[0]["hvps"] + max(r["hvps"] for r in by("slq"))) + sum(
        r["iterations"] for r in by("max_eigenvalue")
    )
    assert sum(r["iterations"] for r in by("max_eigenvalue")) < 2 * 3000  # power iteration converged early
    assert ms.bar.n == ms.bar.total == used  # the total shrank to the work done: the ETA was not stuck at 6058
    err = capsys.readouterr().err
    assert "quadratic clean" in err and f"{used}/{used}" in err and "HVP" in err


def test_a_training_epoch_counts_images(image_folder, tmp_path, capsys):
    from intriguing.experiments.train import loop
    from intriguing.experiments.train.config import Config
    from intriguing.experiments.train.data import folder_labels
    from intriguing.experiments.train.student import make_student
    from intriguing.zoo import load_model

    images = folder_labels(str(image_folder))
    config = Config(epochs=1, no_aug=True, warmup_epochs=0, img_size=32, drop_path=0.0)
    student = make_student(load_model("vit_tiny_patch16_224=random"), images.num_classes, config)
    trainer = loop.Trainer(config, student, images, tmp_path, torch.device("cpu"), "fp32", 5, 0)
    trainer.train_epoch(progress=True)
    err = capsys.readouterr().err
    assert "epoch 1" in err and "12/12" in err and "img" in err  # 12 images in 3 batches of 5, 5, 2


def test_a_sweeps_engine_pass_counts_images(image_folder, tmp_path, capsys):
    """12 images in one batch: the bar reads 12/12 img (it read 1/1 batch, 0/1 for the whole run)."""
    from intriguing.cli.main import run_command

    assert (
        run_command(
            "occlusion",
            [
                "--models",
                "test_tiny_cnn",
                "--data-path",
                str(image_folder),
                "--ratios",
                "0",
                "--batch-size",
                "64",
                "--workers",
                "0",
                "--no-plot",
                "--out-dir",
                str(tmp_path / "o"),
            ],
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "12/12" in err and "img" in err and "batch" not in err
