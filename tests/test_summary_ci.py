"""The CI column of summaries over several runs: the run-mean's interval from per-image outcomes (known answers),
else the per-run bounds averaged and labelled as such."""

from __future__ import annotations

import pytest

from intriguing.records import format_table, summarize
from intriguing.records.summary import markdown_table


def _records(model, runs=2):
    # each run: 50 of 100 images right; its own bootstrap interval is about [40, 60]
    return [
        {
            "model": model,
            "ratio": 0.5,
            "run": r,
            "n": 100,
            "top1": 50.0,
            "top5": 90.0,
            "top1_ci_low": 40.0,
            "top1_ci_high": 60.0,
        }
        for r in range(runs)
    ]


def _per_image(model, complementary):
    rows = []
    for run in (0, 1):
        for i in range(100):
            right = (i < 50) if run == 0 or not complementary else (i >= 50)
            rows.append(
                {
                    "image": str(i),
                    "model": model,
                    "weights": "w",
                    "ratio": "0.5",
                    "run": str(run),
                    "correct1": str(int(right)),
                    "correct5": "1",
                    "pred": "0",
                    "conf": "0.5",
                }
            )
    return rows


def test_several_runs_with_per_image_outcomes_show_the_run_mean_interval():
    # the runs get opposite halves right: every image's run-mean is exactly 0.5, so resampling images cannot move
    # the run-mean (interval [50, 50]); the mean of the per-run bounds ([40, 60]) would overstate it
    rows = summarize(_records("a"), ["model", "ratio"], ["top1"], per_image=_per_image("a", complementary=True))
    assert rows[0]["ci_kind"] == "run mean"
    assert (rows[0]["top1_ci_low"], rows[0]["top1_ci_high"]) == (50.0, 50.0)
    # the same half right in both runs: the run-mean is a 50/100 proportion, interval about +-10 points
    rows = summarize(_records("a"), ["model", "ratio"], ["top1"], per_image=_per_image("a", complementary=False))
    assert rows[0]["top1_ci_low"] == pytest.approx(40.0, abs=1.5) and rows[0]["top1_ci_high"] == pytest.approx(
        60.0, abs=1.5
    )
    assert "95% CI (run mean)" in format_table(rows, ["model", "ratio", "runs"], ["top1"])


def test_without_per_image_outcomes_the_per_run_bounds_are_averaged_and_labelled():
    records = (
        _records("a")
        + [{**r, "top1_ci_low": 44.0, "top1_ci_high": 56.0} for r in _records("b")][:1]
        + [{**_records("b")[1], "top1_ci_low": 46.0, "top1_ci_high": 58.0}]
    )
    rows = summarize(records, ["model", "ratio"], ["top1"])
    assert [r["ci_kind"] for r in rows] == ["per run", "per run"]
    assert (rows[1]["top1_ci_low"], rows[1]["top1_ci_high"]) == (45.0, 57.0)
    table = format_table(rows, ["model", "runs"], ["top1"])
    assert "95% CI (per run)" in table and "[45.0, 57.0]" in table


def test_a_table_mixing_both_kinds_marks_the_averaged_bounds():
    records = _records("a") + _records("b")
    rows = summarize(records, ["model", "ratio"], ["top1"], per_image=_per_image("a", complementary=True))
    assert [r["ci_kind"] for r in rows] == ["run mean", "per run"]  # b has no per-image outcomes
    md = markdown_table(rows, ["model"], ["top1"])
    assert "95% CI (run mean; † per run)" in md and "[40.0, 60.0]†" in md and "[50.0, 50.0] |" in md


def test_one_run_shows_its_own_interval():
    rows = summarize(_records("a", runs=1), ["model"], ["top1"], per_image=_per_image("a", complementary=True))
    assert rows[0]["ci_kind"] == "images" and (rows[0]["top1_ci_low"], rows[0]["top1_ci_high"]) == (40.0, 60.0)
    assert "top1 95% CI" in format_table(rows, ["model"], ["top1"])
