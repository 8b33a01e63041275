"""Results folders a researcher can trust: the unlock rule, the refusal sentence, --overwrite, a missing manifest,
one run at a time, truncated files, weights identity, write failures, and plot failures (fault injection)."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest
import torch

from intriguing.cli import run_command
from intriguing.records import RunDir, read_records
from intriguing.records.store import append

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "6", "--no-plot"]


def occlusion(tmp_path, image_folder, *extra, models="test_tiny_cnn", out="out"):
    return run_command(
        "occlusion",
        ["--models", models, "--data-path", str(image_folder), "--out-dir", str(tmp_path / out), *ARGS, *extra],
    )


def test_a_failed_or_mistyped_run_does_not_lock_its_folder(tmp_path, image_folder):
    assert occlusion(tmp_path, image_folder, "--ratios", "0", models="resnet10t=/no/such.pth") == 1
    assert not read_records(tmp_path / "out")
    assert occlusion(tmp_path, image_folder, "--ratios", "0.5") == 0  # another configuration: fine, no records yet
    assert [r["ratio"] for r in read_records(tmp_path / "out")] == [0.5]


def test_overwrite_replaces_only_the_run_files(tmp_path, image_folder):
    assert occlusion(tmp_path, image_folder, "--ratios", "0") == 0
    (tmp_path / "out" / "notes.txt").write_text("mine")
    assert occlusion(tmp_path, image_folder, "--ratios", "0.5", "--overwrite") == 0
    assert [r["ratio"] for r in read_records(tmp_path / "out")] == [0.5]
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_records_without_a_readable_manifest_are_not_resumed_blindly(tmp_path, image_folder, capsys, damage):
    assert occlusion(tmp_path, image_folder, "--ratios", "0", "--seed", "0") == 0
    manifest = tmp_path / "out" / "manifest.json"
    if damage == "missing":
        manifest.unlink()
    else:
        manifest.write_text(manifest.read_text()[:40])
    assert occlusion(tmp_path, image_folder, "--ratios", "0", "--seed", "1") == 2
    err = capsys.readouterr().err
    assert "manifest.json is missing or unreadable" in err and "--overwrite" in err


def _hold(folder, ready, release):
    d = RunDir(folder, {"seed": 0})
    ready.set()
    release.wait(30)
    d.close()


def test_a_second_process_on_the_same_folder_is_refused(tmp_path, image_folder, capsys):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(tmp_path / "out", ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        assert occlusion(tmp_path, image_folder, "--ratios", "0") == 2
        err = capsys.readouterr().err
        assert "is in use by another run" in err and f"pid {holder.pid}" in err
    finally:
        release.set()
        holder.join(30)
    assert occlusion(tmp_path, image_folder, "--ratios", "0") == 0  # released when the holder ended


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(tmp_path / "out", ready, release))
    holder.start()
    assert ready.wait(30)
    os.kill(holder.pid, 9)
    holder.join(30)
    RunDir(tmp_path / "out", {"seed": 0}).close()  # no error: the OS dropped the lock with the process


def test_truncated_and_duplicated_records_are_repaired(tmp_path, image_folder, caplog):
    assert occlusion(tmp_path, image_folder, "--ratios", "0", "0.5") == 0
    path = tmp_path / "out" / "records.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]) + lines[2][: len(lines[2]) // 2])  # a duplicate, half a row
    caplog.clear()
    rows = read_records(tmp_path / "out")  # a library call: a warning of the `intriguing` logger
    err = caplog.text
    assert len(rows) == 2 and "1 truncated last row" in err and "1 repeated record" in err
    append(path, [{"model": "x", "ratio": 0.9}])  # the next append repairs first
    assert path.read_text().splitlines()[1:3] == [lines[1].rstrip("\n"), lines[2].rstrip("\n")]
    assert len(read_records(tmp_path / "out")) == 3


def test_other_weights_under_the_same_name_are_new_work(tmp_path, image_folder):
    from intriguing.zoo import load_model

    for i, name in enumerate(("a.pth", "b.pth")):
        torch.manual_seed(i)
        torch.save(load_model("resnet10t=random").model.state_dict(), tmp_path / name)
    assert occlusion(tmp_path, image_folder, "--ratios", "0", models=f"resnet10t={tmp_path / 'a.pth'}") == 0
    assert occlusion(tmp_path, image_folder, "--ratios", "0", models=f"resnet10t={tmp_path / 'b.pth'}") == 0
    rows = read_records(tmp_path / "out")
    assert len(rows) == 2 and rows[0]["weights"] != rows[1]["weights"] and rows[0]["weights"].startswith("a.pth:")
    assert occlusion(tmp_path, image_folder, "--ratios", "0", models=f"resnet10t={tmp_path / 'a.pth'}") == 0
    assert len(read_records(tmp_path / "out")) == 2  # the same file again: nothing recomputed


@pytest.mark.parametrize("blocker", ["file", "readonly"])
def test_an_unusable_out_dir_is_one_sentence_before_anything_runs(tmp_path, image_folder, capsys, blocker):
    target = tmp_path / "out"
    if blocker == "file":
        target.write_text("not a folder")
    else:
        target.mkdir()
        target.chmod(0o500)
        if os.access(target, os.W_OK):  # root ignores permissions: nothing to test here
            pytest.skip("running as a user for whom read-only folders are writable")
    assert occlusion(tmp_path, image_folder, "--ratios", "0") == 2
    err = capsys.readouterr().err
    assert ("is a file" if blocker == "file" else "not writable") in err and "Traceback" not in err


def test_a_full_disk_while_appending_keeps_what_was_written(tmp_path, image_folder, monkeypatch, capsys):
    assert occlusion(tmp_path, image_folder, "--ratios", "0") == 0
    before = (tmp_path / "out" / "records.csv").read_text()
    from intriguing.records import store

    def full(path, rows, schema=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "append", full)
    assert occlusion(tmp_path, image_folder, "--ratios", "0", models="test_tiny_vit") == 2  # a second model's rows
    err = capsys.readouterr().err
    assert "No space left on device" in err and "intact" in err
    assert (tmp_path / "out" / "records.csv").read_text() == before


def test_a_failing_plot_leaves_records_and_says_so_in_the_manifest(tmp_path, image_folder, monkeypatch):
    from intriguing.experiments.occlusion.experiment import OcclusionExperiment

    def no_space(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(OcclusionExperiment, "report", classmethod(lambda cls, *a, **k: no_space()))
    assert occlusion(tmp_path, image_folder, "--ratios", "0") == 1
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"].startswith("report failed: OSError") and read_records(tmp_path / "out")
