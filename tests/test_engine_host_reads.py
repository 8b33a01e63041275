"""The engine's batch loop reads nothing back from the device, so a GPU never waits on Python mid-sweep.

On a GPU every host read of a device tensor (``.item()``, ``.cpu()``, ``int(t)``, ``bincount``, boolean indexing)
and every device tensor built from Python numbers waits for all queued work; done once per condition it cost the
sweep several percent of its throughput. This machine has no GPU, so the test watches the calls themselves
(``torch.overrides.TorchFunctionMode``) on CPU: outside the moments the totals are settled (checkpoints, records),
a sweep of 4 batches makes exactly the calls a sweep of 2 batches makes, and none of them reads a tensor.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest
import torch
from torch.overrides import TorchFunctionMode

from intriguing.data import scan_folder
from intriguing.device import _constant
from intriguing.engine import EngineOptions, run_sweep
from intriguing.experiments.occlusion.config import Config
from intriguing.experiments.occlusion.sweep import OcclusionSweep
from intriguing.metrics.calibration import Calibration
from intriguing.records import RunDir
from intriguing.zoo import load_model

# calls that wait for a CUDA device (or copy to it from ordinary memory) when their tensor lives there
READS = {
    "item",
    "tolist",
    "numpy",
    "cpu",
    "__bool__",
    "__float__",
    "__int__",
    "__index__",
    "nonzero",
    "bincount",
    "unique",
    "masked_select",
    "argwhere",
}
# where results are read on purpose: at checkpoints and the end, and in the loop only those of batches two behind
# the current one (their copies landed long ago, so reading them waits for nothing)
SETTLING = {"settle", "_finish", "checkpoint"}


class HostReads(TorchFunctionMode):
    """Counts host reads (and device tensors made from Python data) made inside the batch loop."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter = Counter()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", str(func))
        made = name in ("tensor", "as_tensor") and kwargs.get("device") is not None
        if (name in READS or made or (name == "__getitem__" and _bool_index(args))) and self._in_loop():
            self.calls[name] += 1
        return func(*args, **kwargs)

    @staticmethod
    def _in_loop() -> bool:
        f, in_sweep = sys._getframe(2), False
        while f is not None:
            code = f.f_code
            if code.co_name in SETTLING or "torch/utils/data" in code.co_filename:
                return False
            in_sweep |= code.co_name == "run_sweep"
            f = f.f_back
        return in_sweep


def _bool_index(args) -> bool:
    index = args[1] if len(args) > 1 else None
    return isinstance(index, torch.Tensor) and index.dtype == torch.bool


def loop_calls(tmp_path, image_folder, n_images, drop_mode, fill):
    images = scan_folder(str(image_folder))
    images.samples = images.samples[:n_images]
    bundles = [load_model(name, device=torch.device("cpu")) for name in ("test_tiny_vit", "test_tiny_cnn")]
    config = Config(ratios=(0.0, 0.5), runs=2, drop_mode=drop_mode, fill=fill)
    opts = EngineOptions(batch_size=3, workers=0, progress=False, metrics=("topk", "calibration"), per_image=True)
    _constant.cache_clear()  # each run builds its mean / std tensors afresh (once, not per forward)
    with HostReads() as mode:
        records, failed = run_sweep(OcclusionSweep(config), bundles, images, RunDir(tmp_path / str(n_images), {}), opts)
    assert not failed and len(records) == 2 * 4  # (ratio 0, 0.5) x 2 runs per model: the run did its work
    return mode.calls


@pytest.mark.parametrize("drop_mode,fill", [("pixels", "black"), ("tokens", "mean")])
def test_the_batch_loop_reads_nothing_back(tmp_path, image_folder, drop_mode, fill):
    two, four = (loop_calls(tmp_path, image_folder, n, drop_mode, fill) for n in (6, 12))
    assert four == two, "host reads that grow with the batches: each one would make a GPU wait"
    assert set(four) <= {"tensor"} and four["tensor"] <= 2 * 2  # mean / std per model, built once, not per forward


def test_a_host_read_in_the_loop_is_caught(tmp_path, image_folder, monkeypatch):
    """The audit itself: a per-batch .item() (what the sweep used to do per condition) shows up."""
    real = OcclusionSweep.prepare

    def reads(self, batch):
        real(self, batch)
        batch.labels.sum().item()

    monkeypatch.setattr(OcclusionSweep, "prepare", reads)
    two, four = (loop_calls(tmp_path, image_folder, n, "pixels", "black") for n in (6, 12))
    assert two["item"] == 2 and four["item"] == 4


def test_calibration_of_non_finite_logits_is_nan_not_numbers():
    """Bins are scatter-added on the device without checks that would wait for it, so NaN logits are counted
    aside and turn the calibration columns into NaN (top-1 / top-5 stay those of the logits)."""
    logits = torch.tensor([[2.0, 1.0, 0.0], [float("nan"), 0.0, 1.0], [0.0, 3.0, 1.0]])
    m = Calibration()
    m.update(logits, torch.tensor([0, 1, 1]))
    r = m.result()
    assert m.n == 3 and m.n_nonfinite == 1
    assert all(r[k] != r[k] for k in ("nll", "brier", "ece", "ece_signed", "freq90"))
    clean = Calibration()
    clean.update(logits[[0, 2]], torch.tensor([0, 1]))
    assert clean.result()["nll"] == pytest.approx(
        float(torch.nn.functional.cross_entropy(logits[[0, 2]], torch.tensor([0, 1])))
    )


def test_settling_all_but_the_last_batches_gives_the_same_totals():
    """The loop reads batches two behind the current one; the totals come out as if read batch by batch."""
    from intriguing.engine.accumulate import Accumulator, Output
    from intriguing.engine.host import HostCopy, Landing

    gen = torch.Generator().manual_seed(0)
    batches = [
        (torch.randn(5, 7, generator=gen), torch.randint(0, 7, (5,), generator=gen), torch.arange(5 * i, 5 * i + 5))
        for i in range(4)
    ]
    lagged, direct = Accumulator.new(("topk", "calibration")), Accumulator.new(("topk", "calibration"))
    landing = Landing()
    for logits, labels, idx in batches:
        out = Output(logits, {"dropped": torch.rand(5, generator=gen, dtype=torch.float64)})
        landing.push([(lagged, HostCopy(lagged.summarize(out, labels, idx)), labels, idx)])
        landing.settle(keep=2)
        direct.update(direct.summarize(out, labels, idx), labels, idx)
    assert len(landing.batches) == 2 and len(lagged.outcomes) == 10  # the last two batches are still queued
    landing.settle()
    a, b = lagged.state(), direct.state()
    assert a["metrics"] == b["metrics"] and a["means"] == b["means"]
    assert all((a["outcomes"][f] == b["outcomes"][f]).all() for f in a["outcomes"])
    assert list(a["outcomes"]["image"]) == list(range(20))


def segmentation_loop_calls(tmp_path, n_images):
    from conftest import shared_path
    from intriguing.experiments.segmentation.config import Config as SegConfig
    from intriguing.experiments.segmentation.sweep import score_images
    from intriguing.segmentation.voc import VOCSegmentationSet

    dataset = VOCSegmentationSet(shared_path("datasets", "voc2012-samples"), size=64)
    bundles = [load_model("test_tiny_vit", device=torch.device("cpu"))]
    opts = EngineOptions(batch_size=2, workers=0, progress=False)
    _constant.cache_clear()
    with HostReads() as mode:
        records, failed = score_images(
            SegConfig(input_size=64, tokens=("cls",)),
            bundles,
            dataset,
            list(range(n_images)),
            RunDir(tmp_path / f"seg{n_images}", {}),
            opts,
        )
    assert not failed and len(records) == n_images and all(0 <= r["jaccard"] <= 1 for r in records)
    return mode.calls


def test_the_segmentation_batch_loop_reads_nothing_back(tmp_path):
    """Each batch's IoUs are copied back behind the scoring and read two batches later (when the engine settles
    them), not at once: a sweep of 4 batches makes the calls of a sweep of 2, none of them a read."""
    two, four = (segmentation_loop_calls(tmp_path, n) for n in (4, 8))
    assert four == two, "host reads that grow with the batches: each one would make a GPU wait"
    assert set(four) <= {"tensor"}


def fourier_loop_calls(tmp_path, image_folder, n_images):
    from intriguing.experiments.fourier.sweep import FourierSweep

    images = scan_folder(str(image_folder))
    images.samples = images.samples[:n_images]
    bundles = [load_model(name, device=torch.device("cpu")) for name in ("test_tiny_vit", "test_tiny_cnn")]
    opts = EngineOptions(batch_size=3, workers=0, progress=False)
    _constant.cache_clear()
    with HostReads() as mode:
        records, failed = run_sweep(FourierSweep(False), bundles, images, RunDir(tmp_path / f"f{n_images}", {}), opts)
    assert not failed and {r["model"] for r in records} == {"test_tiny_vit", "test_tiny_cnn"}
    assert {r["n_images"] for r in records} == {n_images}
    return mode.calls


def test_the_fourier_batch_loop_reads_nothing_back(tmp_path, image_folder):
    """Each block's exact int64 sums stay on the device and are read when the engine settles the batch (they were
    read back per block and batch, a wait for every block of every batch on a GPU)."""
    two, four = (fourier_loop_calls(tmp_path, image_folder, n) for n in (6, 12))
    assert four == two, "host reads that grow with the batches: each one would make a GPU wait"
    assert set(four) <= {"tensor"}
