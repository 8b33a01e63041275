"""The whole experiment docs/ARCHITECTURE.md shows a newcomer (config, condition, schema, sweep, Experiment class) runs
through the real runner and engine as written: registered under a test name, it writes records keyed by its schema,
and its factor-1 condition (the unchanged image) scores what occlusion's clean condition scores."""

from __future__ import annotations

import re
import sys

import pytest

from conftest import REPO
from intriguing.experiments import EXPERIMENTS, get_experiment, register
from intriguing.records import read_records
from intriguing.runner import run


@pytest.fixture
def contrast(tmp_path, monkeypatch):
    """The page's Python block as a module, registered as the command ``contrast`` for this test only."""
    block = re.search(r"```python\n(.*?)```", (REPO / "docs" / "ARCHITECTURE.md").read_text(), re.S).group(1)
    (tmp_path / "contrast_example.py").write_text(block)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(EXPERIMENTS, "_items", dict(EXPERIMENTS._items))  # the registry as it was, after the test
    register("contrast", "contrast_example:ContrastExperiment", summary="the architecture page's example")
    yield
    get_experiment.cache_clear()
    sys.modules.pop("contrast_example", None)


def test_the_architecture_pages_experiment_runs_through_the_engine(contrast, tmp_path, image_folder):
    common = dict(models="test_tiny_vit,test_tiny_cnn", data_path=str(image_folder), workers=0, no_progress=True)
    recs = run("contrast", out_dir=str(tmp_path / "contrast"), no_plot=True, factors=(1.0, 0.5, 0.0), **common)
    assert sorted((r["model"], r["factor"]) for r in recs) == sorted(
        (m, f) for m in ("test_tiny_vit", "test_tiny_cnn") for f in (1.0, 0.5, 0.0)
    )
    written = read_records(tmp_path / "contrast", get_experiment("contrast").schema)
    assert {k for r in written for k in r} <= set(get_experiment("contrast").schema.keys) | set(
        get_experiment("contrast").schema.metrics
    )
    clean = run("occlusion", out_dir=str(tmp_path / "occlusion"), no_plot=True, ratios=(0.0,), **common)
    for model in ("test_tiny_vit", "test_tiny_cnn"):
        same = [r for r in recs if r["model"] == model and r["factor"] == 1.0][0]
        ref = [r for r in clean if r["model"] == model][0]
        assert (same["top1"], same["top5"], same["n"]) == (ref["top1"], ref["top5"], ref["n"])
