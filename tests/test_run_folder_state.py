"""What a results folder carries besides its records: an interrupted pass belongs to one configuration and one data
set, a full or read-only disk is one sentence (no lock left behind), ``per_image.csv.gz`` has one header, and the
manifest records the thread count (on which CPU float sums, and so a torchrun comparison, depend)."""

from __future__ import annotations

import csv
import gzip
import io
import shutil

import pytest
import torch

from intriguing.cli import run_command
from intriguing.cli.main import main as cli_main
from intriguing.experiments.occlusion import sweep as occlusion
from intriguing.records import lock as lock_module
from intriguing.records import per_image, read_manifest, read_records

ARGS = ["--workers", "0", "--no-progress", "--no-plot", "--batch-size", "4", "--ratios", "0", "0.5"]


def run(tmp_path, data, *extra, models="test_tiny_cnn", out="out"):
    return run_command(
        "occlusion", ["--models", models, "--data-path", str(data), "--out-dir", str(tmp_path / out), *ARGS, *extra]
    )


def interrupt_after(monkeypatch, batches: int) -> None:
    """Ctrl-C when the sweep reaches batch ``batches + 1`` (the whole batches before it are checkpointed)."""
    real, seen = occlusion.OcclusionSweep.evaluate, {"n": 0, "at": None}

    def flaky(self, bundle, cond, x, batch):
        if seen["at"] != (bundle.label, int(batch.indices[0])):  # a model starts a batch
            seen["at"], seen["n"] = (bundle.label, int(batch.indices[0])), seen["n"] + 1
        if seen["n"] > batches:
            raise KeyboardInterrupt
        return real(self, bundle, cond, x, batch)

    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", flaky)


# ---- an interrupted pass belongs to its configuration and data ----------------------------------------------------


def test_an_interrupted_pass_is_not_continued_by_another_command(tmp_path, image_folder, monkeypatch, capsys):
    interrupt_after(monkeypatch, 1)
    assert run(tmp_path, image_folder, "--seed", "0") == 130
    out = tmp_path / "out"
    assert (out / "partial.json").is_file() and not read_records(out)  # the manifest and the pass state only
    monkeypatch.undo()
    other = tmp_path / "other"
    shutil.copytree(image_folder, other)  # the same images elsewhere: the same number, so the old state "fits"
    capsys.readouterr()
    for extra, diff in (
        (["--seed", "1"], "seed 0 -> 1"),
        (["--data-path", str(other)], f"data_path '{image_folder}' -> '{other}'"),
    ):
        args = [a for a in ("--seed", "0") if "--seed" not in extra] + extra
        code = run_command(
            "occlusion",
            ["--models", "test_tiny_cnn", "--data-path", str(image_folder), "--out-dir", str(out), *ARGS, *args],
        )
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        assert (
            f"error: {out} holds an interrupted pass of another configuration or data ({diff}); rerun the "
            f"command that started it to resume it, rerun with --overwrite to discard it, or choose another "
            f"--out-dir." in err
        )
    assert (out / "partial.json").is_file()  # refused: nothing was touched
    assert run(tmp_path, image_folder, "--seed", "0") == 0  # the command that started it resumes it
    assert run(tmp_path, image_folder, "--seed", "0", out="fresh") == 0
    assert read_records(out) == read_records(tmp_path / "fresh")


def test_an_interrupted_pass_over_other_files_is_refused(tmp_path, image_folder, monkeypatch, capsys):
    interrupt_after(monkeypatch, 1)
    assert run(tmp_path, image_folder) == 130
    monkeypatch.undo()
    victim = sorted(image_folder.rglob("*.JPEG"))[0]
    victim.rename(victim.with_name("renamed.JPEG"))  # the same folder and count, another file list
    capsys.readouterr()
    assert run(tmp_path, image_folder) == 2
    err = capsys.readouterr().err
    assert "holds an interrupted pass of another configuration or data (files '" in err
    assert run(tmp_path, image_folder, "--overwrite") == 0 and {r["n"] for r in read_records(tmp_path / "out")} == {12}


def test_a_pass_state_without_its_identity_starts_over(tmp_path, image_folder, monkeypatch, capsys):
    """A state written by an older version does not say what it belongs to: it is dropped, never continued."""
    import json

    interrupt_after(monkeypatch, 1)
    assert run(tmp_path, image_folder) == 130
    monkeypatch.undo()
    state = tmp_path / "out" / "partial.json"
    saved = json.loads(state.read_text())
    del saved["identity"]
    state.write_text(json.dumps(saved))
    assert run(tmp_path, image_folder) == 0
    assert "does not say which configuration it belongs to" in capsys.readouterr().err
    assert {r["n"] for r in read_records(tmp_path / "out")} == {12}


# ---- a full or read-only disk -------------------------------------------------------------------------------------


class _FullDisk:
    """A lock file on a full disk: it opens (the inode exists), but nothing written reaches it."""

    def __init__(self, path, mode):
        self.f = open(path, mode)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def flush(self):
        raise OSError(28, "No space left on device")

    def close(self):
        self.f.close()


def test_a_full_disk_before_the_lock_is_written_is_one_sentence_and_leaves_no_lock(
    tmp_path, image_folder, monkeypatch, capsys
):
    monkeypatch.setattr(lock_module, "open", _FullDisk, raising=False)
    assert run(tmp_path, image_folder) == 2
    err = capsys.readouterr().err
    assert (
        f"error: Cannot write the lock file {tmp_path / 'out' / '.lock'} (No space left on device); free space "
        f"or fix the folder and rerun, or choose another --out-dir."
        in err
        and "Traceback" not in err
    )
    assert not (tmp_path / "out" / ".lock").exists()
    monkeypatch.undo()
    assert run(tmp_path, image_folder) == 0  # space freed: the same command runs


@pytest.mark.parametrize("blocker", ["file in the way", "read-only"])
def test_a_report_into_an_unwritable_out_is_one_sentence(tmp_path, image_folder, monkeypatch, capsys, blocker):
    assert run(tmp_path, image_folder) == 0
    target = tmp_path / "report"
    if blocker == "file in the way":
        target.write_text("a file")
        target, why = target / "sub", "Not a directory"
    else:
        import matplotlib.figure

        def read_only(*a, **k):
            raise OSError(30, "Read-only file system")

        monkeypatch.setattr(matplotlib.figure.Figure, "savefig", read_only)
        why = "Read-only file system"
    capsys.readouterr()
    assert cli_main(["report", str(tmp_path / "out"), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"error: Cannot write the report to {target} ({why}); choose another --out." in err
    assert "Traceback" not in err


# ---- per_image.csv.gz: one header ---------------------------------------------------------------------------------


def _read_like_a_reader(path):
    """The file as a CSV reader sees it: pandas when it is installed, else the csv module over gzip."""
    try:
        import pandas
    except ImportError:
        with gzip.open(path, "rt", newline="") as f:
            return list(csv.DictReader(f))
    return pandas.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def test_per_image_file_has_one_header_after_appends_and_a_resume(tmp_path, image_folder, monkeypatch):
    from intriguing.engine import core

    monkeypatch.setattr(core, "CHECKPOINT_EVERY", 0.0)  # per-image rows are appended at every checkpoint
    interrupt_after(monkeypatch, 2)
    assert run(tmp_path, image_folder, "--per-image") == 130
    monkeypatch.undo()
    monkeypatch.setattr(core, "CHECKPOINT_EVERY", 0.0)
    assert run(tmp_path, image_folder, "--per-image") == 0  # resumed: more appends
    assert run(tmp_path, image_folder, "--per-image", models="test_tiny_cnn,test_tiny_vit") == 0  # a new model
    path = tmp_path / "out" / "per_image.csv.gz"
    assert len(per_image._members(path.read_bytes())[0]) >= 4  # appended at checkpoints, around the resume
    with gzip.open(path, "rt") as f:
        text = f.read()
    assert text.count("image,path,label,model") == 1 and text.startswith("image,path,label,model,weights,")
    rows = _read_like_a_reader(path)
    assert all(r["image"].isdigit() for r in rows)  # no header line read as data
    assert len(rows) == 12 * 2 * 2  # images x ratios x models, each once
    assert len({(r["image"], r["model"], r["ratio"]) for r in rows}) == len(rows)


def test_per_image_files_of_older_versions_read_the_same_and_get_one_header(tmp_path):
    path = tmp_path / per_image.FILE
    for rows in ([{"image": 0, "model": "m", "correct1": 1}], [{"image": 1, "model": "m", "run": 2, "correct1": 0}]):
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        with open(path, "ab") as f:  # what older versions wrote: a header in every member
            f.write(gzip.compress(buf.getvalue().encode()))
    assert [(r["image"], r.get("run")) for r in per_image.read(tmp_path)] == [("0", None), ("1", "2")]
    per_image.append(path, [{"image": 2, "model": "m", "run": 0, "correct1": 1}])
    with gzip.open(path, "rt") as f:
        assert f.read() == "image,model,correct1,run\n0,m,1,\n1,m,0,2\n2,m,1,0\n"


# ---- the thread count is recorded -----------------------------------------------------------------------------------


def test_the_manifest_records_the_thread_count(tmp_path, image_folder):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert run(tmp_path, image_folder, "--limit", "2") == 0
        assert read_manifest(tmp_path / "out")["threads"] == 1
    finally:
        torch.set_num_threads(before)
