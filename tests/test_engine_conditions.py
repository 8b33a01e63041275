"""The sweep contract of issue 26: typed conditions rendered as record columns, planned once by the engine and handed
to ``Sweep.evaluate`` one at a time, one ``Output`` per condition, work shared through ``Sweep.once`` per (model,
batch), and the copy-back of results inside the engine (a reduction sees host values only)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from typing import Optional

import pytest
import torch

from intriguing.data import scan_folder
from intriguing.engine import (
    Condition,
    EngineOptions,
    Grid,
    Output,
    Reduction,
    Sweep,
    blank,
    internal,
    optional,
    run_sweep,
)
from intriguing.records import RunDir
from intriguing.zoo import load_model


@dataclass(frozen=True)
class Example(Condition):
    grid: Grid
    ratio: float
    run: int
    dropped: Optional[float] = optional()
    freq: Optional[float] = blank()
    level: int = internal(-1)


def test_a_condition_renders_its_record_columns():
    c = Example(Grid(14, 7), 0.5, 2, level=3)
    assert c.fields() == {"grid": "14x7", "ratio": 0.5, "run": 2, "freq": ""}  # no dropped, no level
    assert Example(Grid(2, 2), 0.0, 0, dropped=0.25, freq=0.9).fields() == {
        "grid": "2x2",
        "ratio": 0.0,
        "run": 0,
        "dropped": 0.25,
        "freq": 0.9,
    }
    assert Example.columns() == ("grid", "ratio", "run", "dropped", "freq")
    assert Example.column_types() == {"grid": str, "ratio": float, "run": int, "dropped": float, "freq": float}
    assert c.grid == (14, 7) and c.grid.cells == 98  # a grid is a tuple of ints, written HxW
    assert len({c, Example(Grid(14, 7), 0.5, 2, level=3)}) == 1  # hashable values: cache keys
    with pytest.raises(FrozenInstanceError):
        c.run = 3  # type: ignore[misc]


@dataclass(frozen=True)
class Run(Condition):
    run: int


class SharedClean(Sweep[Run]):
    """Two conditions served by one forward through ``once``; ``planned`` counts the engine's planning calls."""

    def __init__(self, share: bool = True) -> None:
        self.share, self.planned, self.forwards = share, 0, 0

    def conditions(self, bundle):
        self.planned += 1
        return [Run(0), Run(1)]

    def forward(self, bundle, x01):
        self.forwards += 1
        return bundle(x01)

    def evaluate(self, bundle, cond, x01, batch):
        if self.share:
            return Output(self.once("clean", lambda: self.forward(bundle, x01)))
        return Output(self.forward(bundle, x01))


def _run(tmp_path, image_folder, sweep, name, batch_size=4):
    images = scan_folder(str(image_folder))
    images.samples = images.samples[:10]
    bundles = [load_model(m, device=torch.device("cpu")) for m in ("test_tiny_vit", "test_tiny_cnn")]
    opts = EngineOptions(batch_size=batch_size, workers=0, progress=False, per_image=True)
    records, failed = run_sweep(sweep, bundles, images, RunDir(tmp_path / name, {}), opts)
    assert not failed
    return records


def test_conditions_are_planned_once_and_shared_work_is_per_model_and_batch(tmp_path, image_folder):
    shared, plain = SharedClean(), SharedClean(share=False)
    a = _run(tmp_path, image_folder, shared, "shared")
    b = _run(tmp_path, image_folder, plain, "plain")
    assert shared.planned == 2  # once per model, not once per batch
    assert shared.forwards == 2 * 3 and plain.forwards == 2 * 2 * 3  # models x batches (x conditions unshared)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]  # noqa: E731
    assert strip(a) == strip(b) and len(a) == 4 and {r["n"] for r in a} == {10}
    rows = lambda name: (tmp_path / name / "per_image.csv.gz").read_bytes()  # noqa: E731
    import gzip

    assert gzip.decompress(rows("shared")) == gzip.decompress(rows("plain"))  # no model saw another's logits


class Bare(SharedClean):
    def evaluate(self, bundle, cond, x01, batch):
        return bundle(x01)  # a tensor, not an Output


def test_evaluate_must_return_an_output(tmp_path, image_folder):
    with pytest.raises(TypeError, match="Bare.evaluate returned Tensor, not an engine Output"):
        _run(tmp_path, image_folder, Bare(), "bare")


class Counts(Reduction):
    """Counts the images and batches ``update`` receives (a summary of nested tensors, as the engine copies it)."""

    def __init__(self) -> None:
        self.n, self.batches = 0, 0

    def summarize(self, out, labels, indices):
        return {"pred": out.value.argmax(1), "nested": [out.value[:, :2]]}

    def update(self, summary, labels, indices):
        assert summary["nested"][0].shape == (len(labels), 2) and len(summary["pred"]) == len(indices)
        self.n += len(summary["pred"])
        self.batches += 1

    def merge(self, other):
        self.n += other.n

    def state(self):
        return {"n": self.n, "batches": self.batches}

    def load(self, state):
        self.n, self.batches = state["n"], state["batches"]

    def rows(self, key, ci_seed):
        return [{"model": key.model, "weights": key.weights, **key.fields, "n": self.n, "batches": self.batches}]


class CountingSweep(SharedClean):
    def reduction(self, bundle, cond, opts):
        return Counts()


def test_a_reduction_is_fed_every_batch_once(tmp_path, image_folder):
    records = _run(tmp_path, image_folder, CountingSweep(), "host", batch_size=3)
    assert [(r["n"], r["batches"]) for r in records] == [(10, 4)] * 4  # every batch folded in, once
