"""``intriguing report`` over several folders (plots, Markdown / LaTeX tables, per-class accuracy) and
``intriguing compare`` (McNemar's exact test and a paired bootstrap) on hand-made per-image records."""

from __future__ import annotations

import numpy as np
import pytest

from intriguing.cli import main, run_command
from intriguing.records.per_image import FILE, append
from intriguing.records.stats import paired

ARGS = ["--workers", "0", "--no-progress", "--ratios", "0", "0.5", "--batch-size", "6"]


def test_paired_statistics_on_known_counts():
    a = np.array([True] * 10 + [True] * 5 + [False] * 5)
    b = np.array([False] * 10 + [True] * 5 + [False] * 5)
    res = paired(a, b, seed=0)
    assert (res.n, res.a_only, res.b_only) == (20, 10, 0)
    assert res.p_mcnemar == pytest.approx(2 * 0.5**10)
    assert (res.acc_a, res.acc_b, res.diff) == (75.0, 25.0, 50.0)
    assert res.ci_low < 50.0 < res.ci_high and res.ci_low > 0
    same = paired(a, a)
    assert same.p_mcnemar == 1.0 and same.ci_low == same.ci_high == 0.0


def _per_image(folder, model, correct):
    append(
        folder / FILE,
        [
            {
                "image": i,
                "path": f"c{i % 2}/{i}.jpg",
                "label": i % 2,
                "model": model,
                "weights": "w",
                "ratio": 0.5,
                "run": 0,
                "correct1": int(c),
                "correct5": 1,
                "pred": 0,
                "conf": 0.5,
            }
            for i, c in enumerate(correct)
        ],
    )


def test_compare_cli_reports_mcnemar_and_refuses_ambiguous_selections(tmp_path, capsys):
    _per_image(tmp_path, "vit", [1] * 10 + [0] * 2)
    _per_image(tmp_path, "cnn", [0] * 10 + [0] * 2)
    assert main(["compare", str(tmp_path), "--a", "model=vit", "--b", "model=cnn"]) == 0
    out = capsys.readouterr().out
    assert "paired images   12" in out and "A only 10, B only 0" in out and "p = 0.001953" in out
    _per_image(tmp_path, "vit", [1] * 12)  # the same images again under another ratio
    (tmp_path / "x").mkdir()
    assert main(["compare", str(tmp_path / "x"), "--a", "model=vit", "--b", "model=cnn"]) == 2
    assert "rerun the experiment with --per-image" in capsys.readouterr().err


def test_report_combines_folders_and_writes_tables(tmp_path, image_folder, capsys):
    for name, seed in (("a", "0"), ("b", "1")):
        assert (
            run_command(
                "occlusion",
                [
                    "--models",
                    "test_tiny_cnn",
                    "--data-path",
                    str(image_folder),
                    "--seed",
                    seed,
                    "--out-dir",
                    str(tmp_path / name),
                    "--per-image",
                    *ARGS,
                ],
            )
            == 0
        )
    assert main(["report", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "c"), "--per-class"]) == 0
    md = (tmp_path / "c" / "summary.md").read_text()
    assert "a/test_tiny_cnn" in md and "b/test_tiny_cnn" in md and "95% CI" in md
    tex = (tmp_path / "c" / "summary.tex").read_text()
    assert r"\toprule" in tex and r"a/test\_tiny\_cnn" in tex
    assert (tmp_path / "c" / "occlusion.png").stat().st_size > 0
    lines = (tmp_path / "c" / "per_class.csv").read_text().splitlines()
    assert lines[0].endswith("class,n,top1") and len(lines) == 1 + 2 * 2 * 3  # folders x ratios x classes


def test_report_refuses_mixed_experiments_and_non_folders(tmp_path, image_folder, capsys):
    assert (
        run_command(
            "occlusion",
            ["--models", "test_tiny_cnn", "--data-path", str(image_folder), "--out-dir", str(tmp_path / "o"), *ARGS],
        )
        == 0
    )
    assert (
        run_command(
            "shuffle",
            [
                "--models",
                "test_tiny_cnn",
                "--data-path",
                str(image_folder),
                "--grids",
                "1x1",
                "--out-dir",
                str(tmp_path / "s"),
                "--workers",
                "0",
                "--no-progress",
            ],
        )
        == 0
    )
    assert main(["report", str(tmp_path / "o"), str(tmp_path / "s")]) == 2
    assert "different experiments" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "is not a results folder" in capsys.readouterr().err


def test_report_gives_several_runs_the_run_mean_interval_from_per_image_records(tmp_path, image_folder):
    common = ["--models", "test_tiny_cnn", "--data-path", str(image_folder), "--runs", "2", *ARGS]
    assert run_command("occlusion", [*common, "--out-dir", str(tmp_path / "p"), "--per-image"]) == 0
    assert run_command("occlusion", [*common, "--out-dir", str(tmp_path / "q")]) == 0
    assert main(["report", str(tmp_path / "p"), "--no-plot"]) == 0
    assert main(["report", str(tmp_path / "q"), "--no-plot"]) == 0
    assert "| 95% CI (run mean) |" in (tmp_path / "p" / "summary.md").read_text()
    assert "| 95% CI (per run) |" in (tmp_path / "q" / "summary.md").read_text()  # no per-image: labelled as such


def test_compare_two_conditions_of_one_model(tmp_path, capsys):
    def rows(ratio, correct):
        return [
            {
                "image": i,
                "path": f"c/{i}.jpg",
                "label": 0,
                "model": "vit",
                "weights": "w",
                "ratio": ratio,
                "run": 0,
                "correct1": c,
                "correct5": 1,
                "pred": 0,
                "conf": 0.5,
            }
            for i, c in enumerate(correct)
        ]

    append(tmp_path / FILE, rows(0.0, [1] * 8 + [0] * 2))
    append(tmp_path / FILE, rows(0.5, [0] * 3 + [1] * 5 + [1] * 2))  # loses 3 images, gains 2
    assert main(["compare", str(tmp_path), "--a", "ratio=0", "--b", "ratio=0.5", "--where", "model=vit"]) == 0
    out = capsys.readouterr().out
    assert "paired images   10" in out and "top-1 A         80.00" in out and "top-1 B         70.00" in out
    assert "A only 3, B only 2" in out and "p = 1" in out  # binomtest(3, 5): two-sided p = 1
    assert main(["compare", str(tmp_path), "--a", "ratoi=0", "--b", "ratio=0.5"]) == 2
    assert "no column 'ratoi'" in capsys.readouterr().err
