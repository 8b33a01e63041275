"""The transfer analysis's feature extraction is an engine pass: same features as a plain loop over the data,
resumable after an interruption without recomputing finished batches, and sharded under torchrun (gloo, 2 CPU
processes) with the records of one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from intriguing.data.torch_source import DatasetSource
from intriguing.engine.core import EngineOptions
from intriguing.experiments.transfer import feature_pass
from intriguing.experiments.transfer.datasets import get_dataset
from intriguing.experiments.transfer.views import build_view
from intriguing.records import RunDir, read_records
from intriguing.zoo import load_model
from tests.transfer_reference import extract_features

REPO = Path(__file__).resolve().parents[1]


def _setup(tmp_path, split_folder):
    bundle = load_model("test_tiny_vit")
    transform, _ = build_view(bundle.geometry, 0)
    ds = get_dataset("folder").load(split_folder, "train", transform=transform)
    run_dir = RunDir(tmp_path / "run", {"analysis": "transfer", "test": 1})
    opts = EngineOptions(batch_size=4, workers=0, progress=False)
    return bundle, ds, run_dir, opts


def _plain(bundle, ds, blocks):
    """The library's plain loop (no engine) over the same items, in one batch per 4 images."""
    loader = [(x, y) for x, y in DataLoader(ds, batch_size=4)]
    return extract_features(
        bundle.model, loader, blocks, patch_mean=True, preprocess=lambda x: bundle.normalize(x.float().div_(255))
    )


def test_engine_features_equal_the_plain_loop(tmp_path, split_folder):
    bundle, ds, run_dir, opts = _setup(tmp_path, split_folder)
    fs = feature_pass.engine_features(
        bundle, DatasetSource(ds, str(split_folder)), "folder/train/view 0", (0, 1), True, run_dir, opts
    )
    ref = _plain(bundle, ds, (0, 1))
    assert fs.tokens.shape == (18, 2, 64) and fs.tokens.dtype == torch.float16
    assert torch.equal(fs.tokens, ref.tokens) and torch.equal(fs.patch_mean, ref.patch_mean)
    assert fs.labels.tolist() == [int(y) for _, y in ds] and fs.blocks == (0, 1) and fs.meta["token"] == "cls"
    assert not read_records(run_dir.path) and not list(run_dir.path.glob("partial*"))  # features are no records


def test_an_interrupted_extraction_resumes_without_redoing_finished_batches(tmp_path, split_folder, monkeypatch):
    bundle, ds, run_dir, opts = _setup(tmp_path, split_folder)
    source = DatasetSource(ds, str(split_folder))
    calls, interrupt = [], [True]
    real = feature_pass.FeatureSweep.evaluate

    def evaluate(self, b, cond, x01, batch):
        calls.append(batch.indices.tolist())
        if len(calls) == 3 and interrupt and interrupt.pop():
            raise KeyboardInterrupt  # Ctrl-C during the third batch: two whole batches are checkpointed
        return real(self, b, cond, x01, batch)

    monkeypatch.setattr(feature_pass.FeatureSweep, "evaluate", evaluate)
    with pytest.raises(KeyboardInterrupt):
        feature_pass.engine_features(bundle, source, "folder/train/view 0", (1,), False, run_dir, opts)
    assert list(run_dir.path.glob("partial*"))
    calls.clear()
    fs = feature_pass.engine_features(bundle, source, "folder/train/view 0", (1,), False, run_dir, opts)
    assert calls[0] == [8, 9, 10, 11] and len(calls) == 3  # resumed at image 8: batches 0-3 and 4-7 not redone
    assert torch.equal(fs.tokens, _plain(bundle, ds, (1,)).tokens)


@pytest.mark.torchrun
def test_torchrun_transfer_gives_the_records_of_one_process(tmp_path, split_folder):
    """2 ranks each extract half of every split; rank 0 merges the features in index order, trains the probes
    and writes the records: identical to one process except the timing columns."""
    args = [
        "--models",
        "deit_tiny_patch16_224=random,resnet10t=random",
        "--data-path",
        str(split_folder),
        "--dataset",
        "folder",
        "--workers",
        "0",
        "--batch-size",
        "4",
        "--no-progress",
        "--no-plot",
        "--epochs",
        "3",
        "--lrs",
        "1e-2",
        "--weight-decays",
        "1e-4",
        "--probe-batch-size",
        "8",
        "--blocks",
        "last1",
        "--device",
        "cpu",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    one = subprocess.run(
        [
            sys.executable,
            "-m",
            "intriguing",
            "transfer",
            *args,
            "--out-dir",
            str(tmp_path / "one"),
            "--cache-dir",
            str(tmp_path / "cache1"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert one.returncode == 0, one.stderr[-2000:]
    two = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-port",
            "29631",
            "-m",
            "intriguing",
            "transfer",
            *args,
            "--out-dir",
            str(tmp_path / "two"),
            "--cache-dir",
            str(tmp_path / "cache2"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert two.returncode == 0, two.stderr[-3000:]
    timing = ("extract_s", "probe_s", "seconds")
    strip = lambda rows: [{k: repr(v) for k, v in r.items() if k not in timing} for r in rows]  # noqa: E731 (nan)
    a, b = read_records(tmp_path / "one"), read_records(tmp_path / "two")
    assert len(a) == 2 and strip(a) == strip(b) and {r["cache"] for r in b} == {"miss"}  # extracted, not read back
    assert len(list((tmp_path / "cache2").glob("*.pt"))) == 4  # rank 0 cached the merged features (2 models x 2)
    assert not list((tmp_path / "two").glob("partial*"))
