"""torchrun (gloo, 2 CPU processes) for `intriguing landscape` and `intriguing hessian`: the work is split across the
ranks (each rank's share is counted inside the processes) and rank 0 alone writes exactly the records of one process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from intriguing.records import read_manifest, read_records
from tests.conftest import shared_path

# Run by torchrun on every rank: count this rank's work, then run the command as the CLI does.
PROBE = """
import json, os, sys
from intriguing.cli import run_command
from intriguing.curvature import hessian
from intriguing.experiments.hessian import spectra
from intriguing.experiments.landscape import grid
seen = {"points": [], "spectrum": 0, "split_batches": []}
real_nll, real_power, real_grads = grid.evaluate_nll, spectra.power_iteration, hessian.LossHessian._gradients
def nll(*a, **k):
    seen["points"].append(1)
    return real_nll(*a, **k)
def power(*a, **k):
    seen["spectrum"] += 1
    return real_power(*a, **k)
def grads(self, i):
    if len(self.batches) > 1:  # a product over several batches: which of them this rank computes
        seen["split_batches"].append(i)
    return real_grads(self, i)
grid.evaluate_nll, spectra.power_iteration, hessian.LossHessian._gradients = nll, power, grads
code = run_command(sys.argv[1], sys.argv[2:])
with open(os.path.join(os.environ["PROBE_DIR"], "rank%s.json" % os.environ["RANK"]), "w") as f:
    json.dump({**seen, "points": len(seen["points"])}, f)
sys.exit(code)
"""


def _run_both(tmp_path, command, args, port):
    """(records of one process, records of two, each rank's counted work); asserts both exit 0."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PROBE_DIR": str(tmp_path)}
    one = subprocess.run(
        [sys.executable, "-m", "intriguing", command, *args, "--out-dir", str(tmp_path / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert one.returncode == 0, one.stderr[-2000:]
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    two = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-port",
            str(port),
            str(probe),
            command,
            *args,
            "--out-dir",
            str(tmp_path / "two"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert two.returncode == 0, two.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    # rank 1 appended nothing: records.csv holds each row once (read_records would hide duplicates)
    lines = (tmp_path / "two" / "records.csv").read_text().strip().splitlines()
    assert len(lines) == 1 + len(read_records(tmp_path / "two"))
    assert read_manifest(tmp_path / "two")["ranks"] == 2 and not list((tmp_path / "two").glob("partial*"))
    timeless = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # noqa: E731
    return timeless(read_records(tmp_path / "one")), timeless(read_records(tmp_path / "two")), ranks


def _cifar():
    w = shared_path("weights", "cifar10-resnet", "resnet20-12fca82f.th")
    return f"cifar10_resnet20={w}", str(shared_path("datasets", "cifar10", "test"))


@pytest.mark.torchrun
def test_torchrun_landscape_splits_the_grid_and_gives_the_records_of_one_process(tmp_path):
    spec, data = _cifar()
    args = [
        "--models",
        spec,
        "--data-path",
        data,
        "--points",
        "3",
        "--batches",
        "1",
        "--batch-size",
        "8",
        "--data",
        "clean",
        "augmented",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--device",
        "cpu",
    ]
    one, two, ranks = _run_both(tmp_path, "landscape", args, 29610)
    assert len(one) == 18 and one == two  # same rows, same order
    # 9 points per condition dealt out round-robin: 5 + 4 each, 10 + 8 in all
    assert [r["points"] for r in ranks] == [10, 8]


@pytest.mark.torchrun
def test_torchrun_hessian_splits_batches_and_gives_the_records_of_one_process(tmp_path):
    spec, data = _cifar()
    args = [
        "--models",
        spec,
        "--data-path",
        data,
        "--batches",
        "3",
        "--batch-size",
        "4",
        "--top-k",
        "2",
        "--lanczos-steps",
        "3",
        "--power-iters",
        "4",
        "--trace-samples",
        "2",
        "--slq-vectors",
        "1",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--device",
        "cpu",
    ]
    one, two, ranks = _run_both(tmp_path, "hessian", args, 29611)
    assert one == two and {r["measure"] for r in one} == {"eigenvalue", "max_eigenvalue", "trace", "slq"}
    assert [r["spectrum"] for r in ranks] == [2, 1]  # mini-batches 0, 2 on rank 0 and 1 on rank 1
    # top-k, trace and SLQ products over the 3 batches: rank 0 computes batches 0 and 2, rank 1 batch 1
    assert set(ranks[0]["split_batches"]) == {0, 2} and set(ranks[1]["split_batches"]) == {1}
    assert len(ranks[0]["split_batches"]) == 2 * len(ranks[1]["split_batches"])
