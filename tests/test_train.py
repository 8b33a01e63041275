"""``intriguing train``: a step lowers the loss, an interrupted run resumes to bit-identical weights, DeiT's
distillation loss equals a hand computation, distilled heads are scored separately, and trained models load in
the zoo by path and by registered name (random-init tiny models: mechanics, not accuracy)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from intriguing.cli import run_command
from intriguing.experiments.train import loop
from intriguing.experiments.train.config import Config
from intriguing.experiments.train.data import folder_labels
from intriguing.experiments.train.distill import distillation_loss
from intriguing.experiments.train.student import make_student
from intriguing.records import read_records
from intriguing.zoo import load_model

TINY = ["--img-size", "32", "--batch-size", "4", "--workers", "0", "--no-progress", "--no-plot", "--warmup-epochs", "1"]
VIT = "vit_tiny_patch16_224"


def train(tmp_path, image_folder, out: str, *extra: str) -> int:
    return run_command(
        "train", ["--models", VIT, "--data-path", str(image_folder), "--out-dir", str(tmp_path / out), *TINY, *extra]
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_step_lowers_the_loss(image_folder, tmp_path, seed):
    torch.manual_seed(seed)
    images = folder_labels(str(image_folder))
    config = Config(epochs=1, no_aug=True, lr=5e-5, warmup_epochs=0, img_size=32, drop_path=0.0)
    bundle = make_student(load_model(f"{VIT}=random"), images.num_classes, config)
    trainer = loop.Trainer(config, bundle, images, tmp_path, torch.device("cpu"), "fp32", 12, 0)
    x, y = next(iter(trainer.loader(0)))
    before = F.cross_entropy(trainer.model.eval()(x), y).item()
    trainer.model.train()
    assert float(trainer.step(x, y, trainer.criterion())) == pytest.approx(before, rel=1e-5)  # the loss it stepped on
    assert F.cross_entropy(trainer.model.eval()(x), y).item() < before - 1e-4


def test_interrupted_run_resumes_to_bit_identical_weights(image_folder, tmp_path, monkeypatch):
    assert train(tmp_path, image_folder, "straight", "--epochs", "2") == 0
    real = loop.Trainer.train_epoch
    calls = []

    def stop_in_second_epoch(self, progress=False):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, progress)

    monkeypatch.setattr(loop.Trainer, "train_epoch", stop_in_second_epoch)
    assert train(tmp_path, image_folder, "resumed", "--epochs", "2") == 130
    monkeypatch.setattr(loop.Trainer, "train_epoch", real)
    assert train(tmp_path, image_folder, "resumed", "--epochs", "2") == 0
    a = torch.load(tmp_path / "straight" / f"{VIT}_random" / "model.pth", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "resumed" / f"{VIT}_random" / "model.pth", weights_only=True)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    losses = [r["loss"] for r in read_records(tmp_path / "resumed") if r["split"] == "train"]
    assert losses == [r["loss"] for r in read_records(tmp_path / "straight") if r["split"] == "train"]


def test_distillation_loss_equals_hand_computation():
    torch.manual_seed(0)
    cls, dist, teacher = torch.randn(4, 5), torch.randn(4, 5), torch.randn(4, 5)
    y = torch.tensor([0, 1, 2, 3])
    base = torch.nn.CrossEntropyLoss()
    tau, alpha = 2.0, 0.3
    p_t = torch.softmax(teacher / tau, 1)
    kl = sum(
        float(p_t[i, j] * (math.log(p_t[i, j]) - torch.log_softmax(dist / tau, 1)[i, j]))
        for i in range(4)
        for j in range(5)
    )
    soft = (1 - alpha) * base(cls, y).item() + alpha * kl * tau * tau / dist.numel()
    assert distillation_loss(base, (cls, dist), y, teacher, "soft", alpha, tau).item() == pytest.approx(soft, rel=1e-5)
    hard = (1 - alpha) * base(cls, y) + alpha * F.cross_entropy(dist, teacher.argmax(1))
    assert distillation_loss(base, (cls, dist), y, teacher, "hard", alpha, tau).item() == pytest.approx(hard.item())


def test_distilled_student_scores_class_distillation_and_average_heads(image_folder, tmp_path):
    code = run_command(
        "train",
        [
            "--models",
            "deit_tiny_distilled_patch16_224",
            "--data-path",
            str(image_folder),
            "--val-path",
            str(image_folder),
            "--teacher",
            "test_tiny_cnn=random",
            "--distillation",
            "hard",
            "--epochs",
            "1",
            "--out-dir",
            str(tmp_path / "d"),
            *TINY,
        ],
    )
    assert code == 0
    val = [r for r in read_records(tmp_path / "d") if r["split"] == "val"]
    assert sorted(r["head"] for r in val) == ["avg", "cls", "dist"] and {r["n"] for r in val} == {12}


def test_trained_model_loads_by_path_and_registered_name(image_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(tmp_path / "pretrained"))
    assert train(tmp_path, image_folder, "r", "--epochs", "1", "--register-as", "tiny_imagenette") == 0
    path = tmp_path / "r" / f"{VIT}_random" / "model.pth"
    by_path = load_model(f"{VIT}={path}")
    by_name = load_model("tiny_imagenette")
    x = torch.rand(2, 3, 32, 32)
    a, b = by_path(x), by_name(x)
    assert torch.equal(a, b) and a.shape == (2, 1000)  # wnid classes: scored in the 1000-way ImageNet space
    wnids = sorted(p.name for p in Path(image_folder).iterdir())
    from intriguing.data import imagenet_wnids

    index = [imagenet_wnids().index(w) for w in wnids]
    others = [i for i in range(1000) if i not in index]
    assert bool((a[:, others] == -1e4).all()) and set(a.argmax(1).tolist()) <= set(index)


def test_distillation_needs_teacher_and_kind(image_folder, tmp_path, capsys):
    assert train(tmp_path, image_folder, "x", "--distillation", "soft") == 2
    assert "Distillation needs both --teacher MODEL and --distillation" in capsys.readouterr().err


def test_a_teacher_of_other_classes_is_refused_before_any_folder(image_folder, tmp_path, capsys):
    # test_tiny_cnn predicts 1000 classes, the folder has 3 wnids that are ImageNet's: accepted (a column subset);
    # a 10-class teacher for a 3-class folder is refused in one sentence, and no results folder is left behind
    args = ("--teacher", "cifar10_resnet20=random", "--distillation", "soft", "--epochs", "1")
    assert train(tmp_path, image_folder, "t", *args) == 2
    err = capsys.readouterr().err
    assert "Teacher cifar10_resnet20=random predicts 10 classes; the training folder has 3" in err
    assert "Traceback" not in err and not (tmp_path / "t").exists()


@pytest.mark.torchrun
def test_torchrun_ddp_training_writes_one_checkpoint_and_loads(image_folder, tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    out = tmp_path / "ddp"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-port",
            "29541",
            "-m",
            "intriguing",
            "train",
            "--models",
            VIT,
            "--data-path",
            str(image_folder),
            "--val-path",
            str(image_folder),
            "--out-dir",
            str(out),
            "--epochs",
            "2",
            "--device",
            "cpu",
            *TINY,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    rows = read_records(out)
    assert [r["epoch"] for r in rows if r["split"] == "train"] == [1, 2]  # written once, by rank 0
    assert {r["n"] for r in rows if r["split"] == "val"} == {12}  # validation sharded over both ranks, merged
    assert load_model(f"{VIT}={out / f'{VIT}_random' / 'model.pth'}")(torch.rand(1, 3, 32, 32)).shape == (1, 1000)
