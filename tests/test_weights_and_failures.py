"""Which weights a record belongs to, and what a failing model leaves behind: the whole file identifies a checkpoint,
two weights under one model name are two models in every command, only model-side errors fail a model (a sweep's
bug ends the run with its traceback, and every failed model's traceback is kept), and damaged or pickled files are
one sentence naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from intriguing.cli import run_command
from intriguing.cli.main import main as cli_main
from intriguing.errors import UserError
from intriguing.experiments.occlusion import sweep as occlusion
from intriguing.records import read_manifest, read_records
from intriguing.zoo import bundle as zoo_bundle

ARGS = ["--workers", "0", "--no-progress", "--no-plot", "--device", "cpu"]


def occlusion_run(tmp_path, image_folder, models, *extra, out="out"):
    return run_command(
        "occlusion",
        [
            "--models",
            models,
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(tmp_path / out),
            "--ratios",
            "0",
            "--limit",
            "4",
            *ARGS,
            *extra,
        ],
    )


class _System:
    """Pickles as a call of os.system (what a malicious checkpoint holds); weights_only never runs it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# ---- the weights identity covers the whole file -------------------------------------------------------------------


def test_a_checkpoint_changed_past_its_first_mib_is_other_weights(tmp_path, image_folder, monkeypatch):
    ckpt = tmp_path / "head.pth"
    data = bytearray(np.random.default_rng(0).integers(0, 256, 3 << 19, dtype=np.uint8).tobytes())  # 1.5 MiB
    ckpt.write_bytes(bytes(data))
    before = zoo_bundle.file_identity(str(ckpt))
    assert occlusion_run(tmp_path, image_folder, f"test_tiny_vit={ckpt}") == 0
    data[(1 << 20) + 1000] ^= 0xFF  # a fine-tuned head: same size, same first MiB
    ckpt.write_bytes(bytes(data))
    os.utime(ckpt, ns=(1, 10**9))  # a rewrite in the same clock tick would keep the mtime: make it visible here
    after = zoo_bundle.file_identity(str(ckpt))
    assert before != after and before.split(":")[:2] == after.split(":")[:2]
    assert occlusion_run(tmp_path, image_folder, f"test_tiny_vit={ckpt}") == 0
    assert sorted(r["weights"] for r in read_records(tmp_path / "out")) == sorted([before, after])  # new work


def test_the_whole_file_hash_is_computed_once_per_file_version(tmp_path, monkeypatch):
    ckpt = tmp_path / "w.pth"
    ckpt.write_bytes(b"x" * 5000)
    reads = []
    real = zoo_bundle.hashlib.sha256
    monkeypatch.setattr(zoo_bundle.hashlib, "sha256", lambda *a: reads.append(1) or real(*a))
    first = [zoo_bundle.file_identity(str(ckpt)) for _ in range(3)]
    assert len(set(first)) == 1 and len(reads) == 1  # cached by (path, size, mtime, inode)
    assert first[0] == f"w.pth:5000:{real(b'x' * 5000).hexdigest()[:16]}"
    ckpt.write_bytes(b"y" * 5000)
    os.utime(ckpt, ns=(1, 10**9))
    assert zoo_bundle.file_identity(str(ckpt)) != first[0] and len(reads) == 2


# ---- two weights under one model name -----------------------------------------------------------------------------


@pytest.fixture
def two_weights(tmp_path) -> str:
    """Two checkpoint files for one model name (the tiny zoo model ignores their contents: what differs is the
    weights identity, exactly what keys records)."""
    for name, size in (("A.pth", 100), ("B.pth", 200)):
        (tmp_path / name).write_bytes(bytes(size))
    return f"test_tiny_vit={tmp_path / 'A.pth'},test_tiny_vit={tmp_path / 'B.pth'}"


COMMANDS = {  # each command whose models are keyed somewhere else than the engine, and the engine itself
    "occlusion": ["--ratios", "0", "--limit", "4"],
    "adversarial": ["--transfer", "--eps", "0", "1", "--steps", "1", "--limit", "3", "--pictures", "2"],
    "patch": ["--steps", "1", "--train-batch", "2", "--samples", "0", "--transfer", "--limit", "3", "--areas", "0.1"],
    "train": ["--epochs", "1", "--batch-size", "4", "--limit", "4"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_two_weights_under_one_name_are_two_models(tmp_path, image_folder, two_weights, command, capsys):
    out = tmp_path / command
    extra = {"patch": ["--train-path", str(image_folder)], "train": ["--val-path", str(image_folder)]}
    code = run_command(
        command,
        [
            "--models",
            two_weights,
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(out),
            *ARGS,
            *COMMANDS[command],
            *extra.get(command, []),
        ],
    )
    err = capsys.readouterr().err
    assert code == 0, err
    rows = read_records(out)
    assert {r["weights"].split(":")[0] for r in rows} == {"A.pth", "B.pth"}  # both evaluated, keyed by weights
    assert {r["model"] for r in rows} == {"test_tiny_vit"}
    labels = {"test_tiny_vit [A.pth]", "test_tiny_vit [B.pth]"}
    assert set(read_manifest(out)["models"]) == labels
    if command in ("adversarial", "patch"):  # each crafted on its own weights, scored on both
        assert {(r["weights"][:5], r["source"]) for r in rows if r.get("area", 1) != 0 and r.get("eps", 1) != 0} == {
            (w, s) for w in ("A.pth", "B.pth") for s in labels
        }
    if command == "train":  # two training folders, not one resumed by the other
        assert {p.name for p in out.iterdir() if p.is_dir()} == {"test_tiny_vit_A.pth", "test_tiny_vit_B.pth"}
        assert {r["weights"][:5] for r in rows if r["split"] == "train"} == {"A.pth", "B.pth"}


def test_the_report_shows_each_weights_apart(tmp_path, image_folder, two_weights, capsys):
    assert occlusion_run(tmp_path, image_folder, two_weights) == 0
    capsys.readouterr()
    assert cli_main(["report", str(tmp_path / "out"), "--no-plot"]) == 0
    table = (tmp_path / "out" / "summary.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| test_tiny_vit")]
    # a row each: two weights are never averaged as two runs of one model
    assert [r.split(" | ")[0] for r in rows] == ["| test_tiny_vit [A.pth]", "| test_tiny_vit [B.pth]"]


def test_the_same_weights_twice_are_evaluated_once(tmp_path, image_folder, capsys):
    (tmp_path / "A.pth").write_bytes(bytes(100))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "A.pth").write_bytes(bytes(100))  # another path, the same file contents and name
    assert (
        occlusion_run(
            tmp_path, image_folder, f"test_tiny_vit={tmp_path / 'A.pth'},test_tiny_vit={tmp_path / 'sub' / 'A.pth'}"
        )
        == 0
    )
    assert "evaluated once" in capsys.readouterr().err and len(read_records(tmp_path / "out")) == 1


# ---- only model-side errors fail a model -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bug",
    [
        KeyError("ratio"),
        TypeError("unsupported operand"),
        IndexError("list index"),
        AssertionError("shapes"),
        ValueError("bad value"),
    ],
)
def test_a_bug_in_a_sweep_ends_the_run_with_its_traceback(tmp_path, image_folder, monkeypatch, bug):
    real = occlusion.OcclusionSweep.evaluate

    def broken(self, bundle, cond, x, batch):
        if bundle.name == "test_tiny_vit":
            raise bug
        return real(self, bundle, cond, x, batch)

    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", broken)
    with pytest.raises(type(bug)):  # not "model test_tiny_vit failed": the CLI prints the traceback
        occlusion_run(tmp_path, image_folder, "test_tiny_vit,test_tiny_cnn")
    assert not read_records(tmp_path / "out") and (tmp_path / "out" / "partial.json").is_file()


def test_a_failed_model_keeps_its_traceback_in_the_results_folder(tmp_path, image_folder, monkeypatch, capsys):
    real = occlusion.OcclusionSweep.evaluate

    def broken(self, bundle, cond, x, batch):
        if bundle.name == "test_tiny_vit":
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (injected)")
        return real(self, bundle, cond, x, batch)

    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", broken)
    assert occlusion_run(tmp_path, image_folder, "test_tiny_vit,test_tiny_cnn,resnet10t=/no/such.pth") == 1
    out = tmp_path / "out"
    man = read_manifest(out)
    assert man["failure_tracebacks"] == {
        "test_tiny_vit": "failures/test_tiny_vit.txt",
        "resnet10t=/no/such.pth": "failures/resnet10t_no_such.pth.txt",
    }
    text = (out / "failures" / "test_tiny_vit.txt").read_text()
    assert text.startswith("Traceback") and "in broken" in text and "shapes cannot be multiplied" in text
    assert "does not exist" in (out / "failures" / "resnet10t_no_such.pth.txt").read_text()
    assert set(man["failed_models"]) == set(man["failure_tracebacks"])
    monkeypatch.undo()
    assert occlusion_run(tmp_path, image_folder, "test_tiny_vit,test_tiny_cnn") == 0  # the next run names its own
    assert not read_manifest(out).get("failure_tracebacks") and not list((out / "failures").glob("*.txt"))


# ---- pickled objects and damaged files: one sentence naming the file --------------------------------------------


def test_a_pickled_object_in_weights_is_named_without_torchs_advice(tmp_path):
    from intriguing.zoo import load_model

    evil, marker = tmp_path / "evil.pth", tmp_path / "executed"
    torch.save({"model": _System(marker)}, evil)
    with pytest.raises(UserError) as e:
        load_model(f"resnet10t={evil}")
    assert str(e.value) == (
        f"Checkpoint {evil} holds a Python object that is never loaded (posix.system; checkpoints "
        f"load with weights_only=True only): save the weights alone, "
        f"torch.save(model.state_dict(), path), and pass that file."
    )
    assert not marker.exists()


def _train_args(tmp_path, image_folder):
    return [
        "--models",
        "test_tiny_vit",
        "--data-path",
        str(image_folder),
        "--out-dir",
        str(tmp_path / "t"),
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--limit",
        "4",
        *ARGS,
    ]


@pytest.mark.parametrize("damage", ["truncated", "pickled object"])
def test_a_damaged_training_checkpoint_names_the_file_and_what_to_do(tmp_path, image_folder, capsys, damage):
    last = tmp_path / "t" / "test_tiny_vit_random" / "last.pth"
    last.parent.mkdir(parents=True)
    marker = tmp_path / "executed"
    if damage == "truncated":
        torch.save({"epoch": 1, "model": {"w": torch.zeros(1000)}}, last)
        last.write_bytes(last.read_bytes()[:300])
    else:
        torch.save({"epoch": 1, "model": _System(marker)}, last)
    assert run_command("train", _train_args(tmp_path, image_folder)) == 1
    err = capsys.readouterr().err
    why = "cannot be read (" if damage == "truncated" else "holds a Python object that is never loaded (posix.system)"
    assert f"model test_tiny_vit=random failed and is skipped: Training checkpoint {last} {why}" in err
    assert "failed: test_tiny_vit=random (reason above)" in err
    assert "delete it to train this model from the start" in err and "Traceback" not in err
    assert "weights_only` set to `False`" not in err and not marker.exists()


def test_a_pickled_object_in_the_adain_weights_is_one_sentence(tmp_path, image_folder, capsys):
    from intriguing.experiments.stylize.adain import decoder

    evil, marker = tmp_path / "vgg.pth", tmp_path / "executed"
    torch.save({"0.weight": _System(marker)}, evil)
    torch.save(decoder().state_dict(), tmp_path / "decoder.pth")
    code = run_command(
        "stylize",
        [
            "--data-path",
            str(image_folder),
            "--style-path",
            str(image_folder),
            "--target",
            str(tmp_path / "sin"),
            "--vgg",
            str(evil),
            "--decoder",
            str(tmp_path / "decoder.pth"),
            "--workers",
            "0",
            "--no-progress",
            "--out-dir",
            str(tmp_path / "o"),
        ],
    )
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and not marker.exists()
    assert (
        f"error: {evil} is not the AdaIN vgg_normalised.pth release file (it holds a Python object that is never "
        f"loaded (posix.system)); download" in err
    )


def test_an_object_array_in_the_adversarial_pictures_is_one_sentence(tmp_path, image_folder, capsys):
    args = [
        "--models",
        "test_tiny_cnn",
        "--data-path",
        str(image_folder),
        "--out-dir",
        str(tmp_path / "a"),
        "--eps",
        "1",
        "--steps",
        "1",
        "--limit",
        "2",
        "--pictures",
        "2",
        *ARGS,
    ]
    assert run_command("adversarial", args) == 0
    pictures = tmp_path / "a" / "pictures.npz"
    np.savez(pictures, **{"test_tiny_cnn|x": np.array([{"a": 1}], dtype=object)})
    capsys.readouterr()
    sentence = f"{pictures} holds Python objects (an object array), which are never loaded: delete it"
    assert cli_main(["report", str(tmp_path / "a")]) == 2  # redrawing the figure reads it
    err = capsys.readouterr().err
    assert sentence in err and "Traceback" not in err
    assert run_command("adversarial", args) == 2  # a rerun says so before any attack is crafted
    err = capsys.readouterr().err
    assert sentence in err and "Traceback" not in err
    assert run_command("adversarial", [*args, "--overwrite"]) == 0  # --overwrite removes it with the run's files
    with np.load(pictures, allow_pickle=False) as npz:
        assert npz["test_tiny_cnn|x"].dtype == np.uint8


def test_an_odd_mixup_batch_is_one_sentence_now_that_asserts_are_bugs(tmp_path, image_folder, capsys):
    """timm's Mixup asserts an even batch; with AssertionError no longer taken for a model's failure, the training
    loop says it first (3 training images, batch 64: one odd batch)."""
    args = [a if a != "4" else "3" for a in _train_args(tmp_path, image_folder)]  # --limit 3, --batch-size 3
    assert run_command("train", args) == 1
    err = capsys.readouterr().err
    assert (
        "model test_tiny_vit=random failed and is skipped: Mixup / CutMix pair the images of a batch, and this "
        "batch holds 3 (odd): "
        "use an even --batch-size"
        in err
        and "Traceback" not in err
    )
