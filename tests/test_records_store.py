"""The records store under faults: duplicate records from a second writer, a disk that fills mid-write, an append
of per-image outcomes cut short, and --overwrite in a folder that is not a results folder."""

from __future__ import annotations

import errno
import gzip
import io
import logging
import subprocess
import sys

import pytest

from intriguing.errors import UserError
from intriguing.records import RecordSchema, RunDir, per_image, read_per_image, read_records, store

SCHEMA = RecordSchema(
    "occlusion",
    keys={"model": str, "weights": str, "ratio": float, "run": int},
    metrics={"n": int, "top1": float, "top5": float},
)


def _row(model, ratio, top1, run=0):
    return {"model": model, "weights": "w", "ratio": ratio, "run": run, "n": 10, "top1": top1, "top5": 100.0}


def test_a_record_written_twice_counts_once_even_when_its_metrics_differ(tmp_path, caplog):
    path = tmp_path / "records.csv"
    store.append(path, [_row("a", 0.0, 50.0), _row("a", 0.5, 40.0)])
    # a second process measured the same record again (last digits differ, e.g. on a GPU) and appended it
    code = (
        "import sys; from pathlib import Path; from intriguing.records import store; "
        "store.append(Path(sys.argv[1]), [{'model': 'a', 'weights': 'w', 'ratio': 0.0, 'run': 0, 'n': 10, "
        "'top1': 50.000001, 'top5': 100.0}, {'model': 'a', 'weights': 'w', 'ratio': 0.0, 'run': 1, 'n': 10, "
        "'top1': 60.0, 'top5': 100.0}])"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    rows = read_records(tmp_path, SCHEMA)  # keyed by the schema's keys: the metrics may differ
    assert [(r["ratio"], r["run"], r["top1"]) for r in rows] == [(0.0, 0, 50.0), (0.5, 0, 40.0), (0.0, 1, 60.0)]
    read_records(tmp_path, SCHEMA)
    # a warning record of the library's logger (on stderr without any logging set up), once, not on every read
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "intriguing.records.store"]
    assert len(warned) == 1 and "1 repeated record(s)" in warned[0].getMessage()
    store.append(path, [_row("b", 0.0, 10.0)], SCHEMA)  # repaired before the append
    assert path.read_text().count("\na,w,0.0,0,") == 1 and len(read_records(tmp_path, SCHEMA)) == 4


def test_a_full_disk_mid_append_leaves_the_earlier_rows_whole(tmp_path, monkeypatch, caplog):
    d = RunDir(tmp_path / "out", {"seed": 0})
    d.append_records([_row("a", 0.0, 50.0)])
    before = (tmp_path / "out" / "records.csv").read_text()
    real_open = open

    class HalfWrite(io.RawIOBase):  # the disk fills after half of the bytes
        def __init__(self, f):
            self.f = f

        def write(self, data):
            self.f.write(bytes(data[: len(data) // 2]))
            self.f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __exit__(self, *exc):
            self.f.close()

    def full_disk_open(path, mode="r", *a, **k):
        f = real_open(path, mode, *a, **k)
        return HalfWrite(f) if "a" in mode or "w" in mode else f

    monkeypatch.setattr(store, "open", full_disk_open, raising=False)
    with pytest.raises(UserError, match="No space left on device"):
        d.append_records([{**_row("b", 0.0, 20.0), "nll": 1.5}])  # a new column: an atomic rewrite that fails
    assert (tmp_path / "out" / "records.csv").read_text() == before
    assert not (tmp_path / "out" / "records.csv.tmp").exists()  # the failed rewrite left no debris
    with pytest.raises(UserError, match="No space left on device.*intact"):
        d.append_records([_row("a", 0.5, 40.0)])  # appended: half a row reaches the disk
    monkeypatch.undo()
    assert [r["ratio"] for r in read_records(tmp_path / "out")] == [0.0]  # half a row is not a record
    assert "truncated last row" in caplog.text
    d.append_records([_row("a", 0.5, 40.0)])  # space again: the rerun repairs, then appends
    assert (tmp_path / "out" / "records.csv").read_text() == before + "a,w,0.5,0,10,40.0,100.0\n"
    d.close()


def _image_rows(model, n, start=0):
    return [
        {
            "image": i,
            "path": f"c/{i}.jpg",
            "label": 0,
            "model": model,
            "weights": "w",
            "ratio": 0.5,
            "run": 0,
            "correct1": 1,
            "correct5": 1,
            "pred": 0,
            "conf": 0.9,
        }
        for i in range(start, start + n)
    ]


def test_an_interrupted_per_image_append_does_not_hide_later_appends(tmp_path, caplog):
    path = tmp_path / per_image.FILE
    per_image.append(path, _image_rows("a", 5))
    whole = path.read_bytes()
    member = gzip.compress(b"image,model\n99,a\n")
    path.write_bytes(whole + member[: len(member) // 2])  # killed mid-append
    per_image._checked.clear()  # a new process
    assert len(read_per_image(tmp_path)) == 5 and "incomplete append" in caplog.text
    per_image.append(path, _image_rows("b", 3))  # the next run cuts the torn member off first
    rows = read_per_image(tmp_path)
    assert [(r["model"], r["image"]) for r in rows] == [("a", str(i)) for i in range(5)] + [
        ("b", str(i)) for i in range(3)
    ]


def test_per_image_rows_written_twice_count_once(tmp_path):
    path = tmp_path / per_image.FILE
    per_image.append(path, _image_rows("a", 4))
    per_image.append(path, _image_rows("a", 4, start=2))  # images 2, 3 again (a batch around an interruption)
    assert [r["image"] for r in read_per_image(tmp_path)] == ["0", "1", "2", "3", "4", "5"]


def test_overwrite_in_a_folder_that_is_not_a_results_folder_removes_nothing_of_the_users(tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "holiday.png").write_bytes(b"png")
    (folder / "notes.csv").write_text("mine")
    RunDir(folder, {"seed": 0}, overwrite=True).close()
    assert (folder / "holiday.png").read_bytes() == b"png" and (folder / "notes.csv").read_text() == "mine"


def test_overwrite_in_a_results_folder_removes_the_run_files_only(tmp_path):
    d = RunDir(tmp_path, {"seed": 0})
    d.append_records([_row("a", 0.0, 50.0)])
    d.append_per_image(_image_rows("a", 2))
    d.save_partial({"n_done": 3})
    d.close()
    for name in ("occlusion.png", "summary.md", "summary.tex", "per_class.csv"):
        (tmp_path / name).write_text("ours")
    (tmp_path / "my_notes.txt").write_text("mine")
    RunDir(tmp_path, {"seed": 1}, overwrite=True).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "manifest.json", "my_notes.txt"]


def test_a_different_configuration_is_refused_in_one_sentence_naming_old_and_new_values(tmp_path):
    d = RunDir(tmp_path, {"seed": 0, "ratios": [0.0], "limit": 10}, identity=["seed", "ratios", "limit"])
    d.append_records([_row("a", 0.0, 50.0)])
    d.close()
    with pytest.raises(UserError) as e:
        RunDir(tmp_path, {"seed": 1, "ratios": [0.5], "limit": 10}, identity=["seed", "ratios", "limit"])
    msg = str(e.value)
    assert "seed 0 -> 1; ratios [0.0] -> [0.5])" in msg and "limit" not in msg
    assert "--overwrite" in msg and "--out-dir" in msg and msg.count(". ") == 0 and msg.endswith(".")
    RunDir(tmp_path, {"seed": 0, "ratios": [0.0], "limit": 10}, identity=["seed", "ratios", "limit"]).close()


def test_a_folder_without_records_takes_any_configuration_and_the_new_manifest(tmp_path):
    RunDir(tmp_path, {"seed": 0}, identity=["seed"]).close()  # a run that failed before recording anything
    d = RunDir(tmp_path, {"seed": 7}, identity=["seed"])
    assert d.manifest["config"] == {"seed": 7} and "resumed_from" not in d.manifest
    d.close()
    assert '"seed": 7' in (tmp_path / "manifest.json").read_text()
