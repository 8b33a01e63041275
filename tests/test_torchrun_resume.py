"""torchrun resume per rank: a rank interrupted mid-pass checkpoints its own block (``partial.rankN``); the rerun
resumes that rank from its checkpoint (its finished batches are not evaluated again) and rank 0 writes the records
of one uninterrupted process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from intriguing.records import read_records

# Run by torchrun on every rank: count the batches this rank evaluates; on the rank named by STOP_RANK, Ctrl-C
# arrives while its second batch is evaluated.
PROBE = """
import json, os, sys
from intriguing.cli import run_command
from intriguing.experiments.occlusion import sweep
seen, real = [], sweep.OcclusionSweep.evaluate
def evaluate(self, bundle, cond, x01, batch):
    if not seen or seen[-1] != batch.indices.tolist():
        seen.append(batch.indices.tolist())
    with open(os.path.join(os.environ["PROBE_DIR"], "rank%s.json" % os.environ["RANK"]), "w") as f:
        json.dump(seen, f)
    if os.environ.get("STOP_RANK") == os.environ["RANK"] and len(seen) == 2:
        raise KeyboardInterrupt
    return real(self, bundle, cond, x01, batch)
sweep.OcclusionSweep.evaluate = evaluate
sys.exit(run_command(sys.argv[1], sys.argv[2:]))
"""


@pytest.mark.torchrun
def test_an_interrupted_rank_resumes_from_its_own_checkpoint(tmp_path, image_folder):
    args = [
        "occlusion",
        "--models",
        "resnet10t=random",
        "--data-path",
        str(image_folder),
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--ratios",
        "0",
        "0.5",
        "--batch-size",
        "2",
        "--device",
        "cpu",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PROBE_DIR": str(tmp_path)}
    one = subprocess.run(
        [sys.executable, "-m", "intriguing", *args, "--out-dir", str(tmp_path / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert one.returncode == 0, one.stderr[-2000:]
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    torchrun = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-port",
        "29633",
        str(probe),
        *args,
        "--out-dir",
        str(tmp_path / "two"),
    ]
    first = subprocess.run(torchrun, env={**env, "STOP_RANK": "1"}, capture_output=True, text=True, timeout=300)
    assert first.returncode != 0  # rank 1 was interrupted
    assert (tmp_path / "two" / "partial.rank1.json").is_file() and not read_records(tmp_path / "two")
    assert json.loads((tmp_path / "rank1.json").read_text()) == [[6, 7], [8, 9]]  # batch 6-7 done, 8-9 cut
    again = subprocess.run(torchrun, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads((tmp_path / "rank1.json").read_text()) == [[8, 9], [10, 11]]  # resumed after image 7
    assert read_records(tmp_path / "one") == read_records(tmp_path / "two")
    assert not list((tmp_path / "two").glob("partial*"))
