"""torchrun (gloo, 2 CPU processes) gives the records of one process for ``adversarial`` (FGSM / PGD, per-image
rows and the perturbation pictures gathered from both ranks), ``patch`` (rank 0 learns the patch, both ranks
evaluate it) and ``validate``. Batches are aligned with the ranks' blocks (6 images, batches of 3), so every
number must be identical, not just close."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO
from intriguing.records import read_manifest, read_records
from intriguing.records.per_image import read as read_per_image

COMMON = [
    "--models",
    "resnet10t=random",
    "--workers",
    "0",
    "--no-progress",
    "--device",
    "cpu",
    "--limit",
    "6",
    "--batch-size",
    "3",
]


def one_and_two(tmp_path, command, port, *args):
    """Run ``command`` in one process and under torchrun with 2; returns the two results folders."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    one, two = tmp_path / "one", tmp_path / "two"
    single = subprocess.run(
        [sys.executable, "-m", "intriguing", command, *COMMON, *args, "--out-dir", str(one)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert single.returncode == 0, single.stderr[-2000:]
    multi = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-port",
            str(port),
            "-m",
            "intriguing",
            command,
            *COMMON,
            *args,
            "--out-dir",
            str(two),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert multi.returncode == 0, multi.stderr[-3000:]
    assert read_manifest(two)["ranks"] == 2 and not list(two.glob("partial*"))
    assert [plain(r) for r in read_records(one)] == [plain(r) for r in read_records(two)]
    return one, two


def plain(record: dict) -> dict:
    """The record with NaN (e.g. acc90 when no prediction is confident) as a string, so NaN equals NaN."""
    return {k: "nan" if isinstance(v, float) and v != v else v for k, v in record.items()}


@pytest.mark.torchrun
def test_adversarial_under_torchrun_gives_the_records_of_one_process(tmp_path, image_folder):
    pytest.importorskip("torchattacks")
    one, two = one_and_two(
        tmp_path,
        "adversarial",
        29620,
        "--data-path",
        str(image_folder),
        "--attacks",
        "fgsm",
        "pgd",
        "--eps",
        "0",
        "4",
        "--steps",
        "2",
        "--pictures",
        "4",
        "--per-image",
    )
    assert {(r["attack"], r["eps"]) for r in read_records(two)} == {(a, e) for a in ("fgsm", "pgd") for e in (0, 4)}
    key = lambda rows: sorted((x["image"], x["attack"], x["eps"], x["pred"], x["conf"]) for x in rows)  # noqa: E731
    assert key(read_per_image(one)) == key(read_per_image(two))
    # images 0-2 were attacked on rank 0 and image 3 on rank 1: rank 0 wrote all four pictures
    a, b = np.load(one / "pictures.npz"), np.load(two / "pictures.npz")
    assert sorted(a.files) == sorted(b.files) and b["resnet10t=random|index"].tolist() == [0, 1, 2, 3]
    assert all(np.array_equal(a[k], b[k]) for k in a.files)
    assert (two / "perturbations.png").is_file()


@pytest.mark.torchrun
def test_patch_under_torchrun_learns_once_and_gives_the_records_of_one_process(tmp_path, image_folder):
    one, two = one_and_two(
        tmp_path,
        "patch",
        29621,
        "--data-path",
        str(image_folder),
        "--train-path",
        str(image_folder),
        "--areas",
        "0.2",
        "--runs",
        "2",
        "--steps",
        "2",
        "--train-batch",
        "2",
        "--samples",
        "2",
    )
    saved = lambda d: torch.load(d / "patches" / "resnet10t_random__area0.2.pt", weights_only=True)  # noqa: E731
    assert torch.equal(saved(one)["patch"], saved(two)["patch"])
    assert sorted(p.name for p in (two / "patches").iterdir()) == [
        "resnet10t_random__area0.2.png",
        "resnet10t_random__area0.2.pt",
    ]
    assert (two / "patches.png").is_file()


@pytest.mark.torchrun
def test_validate_under_torchrun_gives_the_records_of_one_process(tmp_path, image_folder):
    one_and_two(
        tmp_path,
        "validate",
        29622,
        "--sets",
        f"val={image_folder}",
        f"again={image_folder}",
        "--metrics",
        "topk,calibration",
    )


def test_only_rank_zero_obtains_the_patches_the_others_receive_them(monkeypatch):
    """On CPU every rank would learn the same patch, so records alone cannot show who trained: rank 1 must not
    learn or load (and so write) anything, and takes what rank 0 sends."""
    from intriguing.distributed import Context
    from intriguing.engine import EngineOptions
    from intriguing.experiments.patch import sweep

    sent = ({("m", 0.2): torch.ones(3, 2, 2)}, {})
    calls = []
    monkeypatch.setattr(sweep, "wait_group", lambda ctx: "long-timeout group")
    monkeypatch.setattr(sweep, "_obtain", lambda *a: calls.append("obtain") or sent)
    monkeypatch.setattr(sweep, "from_main", lambda obj, ctx, group: calls.append((ctx.rank, obj, group)) or sent)
    for rank in (1, 0):
        got = sweep.obtain_patches(None, [], None, EngineOptions(dist=Context(rank=rank, world=2)))
        assert got is sent
    assert calls[:2] == [(1, None, "long-timeout group"), "obtain"]
    rank, obj, group = calls[2]  # rank 0 sends its patches, moved to the CPU (pickled without a device)
    assert (rank, group) == (0, "long-timeout group") and obj[1] == {}
    assert list(obj[0]) == [("m", 0.2)] and torch.equal(obj[0][("m", 0.2)], sent[0][("m", 0.2)])
