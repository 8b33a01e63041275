"""torchrun: a model that fails on one rank only fails the run's model (every rank's share is dropped), and the rank
where it failed keeps its traceback in the results folder (``failures/<model>.rank<r>.txt``), named in the manifest
by rank 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from intriguing.records import read_records

# Run by torchrun on every rank: resnet10t breaks on rank 1 only.
PROBE = """
import os, sys
from intriguing.cli import run_command
from intriguing.experiments.occlusion import sweep
real = sweep.OcclusionSweep.evaluate
def evaluate(self, bundle, cond, x01, batch):
    if os.environ["RANK"] == "1" and bundle.name == "resnet10t=random":
        raise RuntimeError("boom on rank 1")
    return real(self, bundle, cond, x01, batch)
sweep.OcclusionSweep.evaluate = evaluate
sys.exit(run_command(sys.argv[1], sys.argv[2:]))
"""


@pytest.mark.torchrun
def test_a_failure_on_rank_one_keeps_its_traceback(tmp_path, image_folder):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    out = tmp_path / "two"
    args = ["occlusion", "--models", "resnet10t=random,resnet14t=random", "--data-path", str(image_folder)]
    args += ["--workers", "0", "--no-progress", "--no-plot", "--ratios", "0", "--batch-size", "4", "--device", "cpu"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29634"]
    done = subprocess.run(
        [*torchrun, str(probe), *args, "--out-dir", str(out)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1, done.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    failed = manifest["failed_models"]
    assert set(failed) == {"resnet10t=random"} and "boom on rank 1" in failed["resnet10t=random"]
    assert manifest["failure_tracebacks"] == {"resnet10t=random": "failures/resnet10t_random.rank1.txt"}
    kept = (out / "failures" / "resnet10t_random.rank1.txt").read_text()
    assert "Traceback" in kept and "RuntimeError: boom on rank 1" in kept
    assert sorted(p.name for p in (out / "failures").iterdir()) == ["resnet10t_random.rank1.txt"]
    # rank 0's half of the failed model is not recorded
    assert {r["model"] for r in read_records(out)} == {"resnet14t=random"}
