"""Shuffle sweep mechanics on tiny random models: grid keys, unshuffled baseline, runs, paper JSON."""

from __future__ import annotations

import json

from intriguing.cli import run_command as main
from intriguing.records import read_records


def test_shuffle_records_keyed_by_grid(tmp_path, image_folder):
    out = tmp_path / "s"
    code = main(
        "shuffle",
        [
            "--models",
            "test_tiny_vit,test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--grids",
            "1x1",
            "2x8",
            "4x4",
            "--runs",
            "2",
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
        ],
    )
    recs = read_records(out)
    assert code == 0 and len(recs) == 2 * 3 * 2
    assert {r["grid"] for r in recs} == {"1x1", "2x8", "4x4"}  # 2x8 and 4x4 share 16 cells, not a key
    for m in ("test_tiny_vit", "test_tiny_cnn"):
        base = [r["top1"] for r in recs if r["model"] == m and r["grid"] == "1x1"]
        assert len(set(base)) == 1  # the unshuffled image is the same in every run
    assert (out / "shuffle.png").is_file()


def test_grid_that_does_not_divide_input_fails_the_model(tmp_path, image_folder, capsys):
    code = main(
        "shuffle",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--grids",
            "3x3",
            "--out-dir",
            str(tmp_path / "s"),
            "--workers",
            "0",
            "--no-progress",
        ],
    )
    assert code == 1 and "does not divide" in capsys.readouterr().err  # that model fails, the run reports it


def test_paper_compat_json_keys_are_cell_counts(tmp_path, image_folder):
    out = tmp_path / "p"
    code = main(
        "shuffle",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--grids",
            "1x1",
            "2x2",
            "4x4",
            "--paper-compat",
            "--limit",
            "3",
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
        ],
    )
    data = json.loads((out / "paper_compat" / "test_tiny_cnn.json").read_text())
    assert code == 0 and list(data["run_000"]) == ["4", "16"]
