"""`intriguing landscape` and `intriguing hessian` as runs, on the real CIFAR-10 ResNet-20: an interrupted run resumes
without recomputing what it recorded and ends with the records of an uninterrupted one; `--dims 1` walks along one
filter-normalised direction; the landscape's origin is the model's NLL plus the weight-decay L2 term (both kinds),
computed here independently from the weights."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from intriguing.cli import run_command as main
from intriguing.records import read_records
from tests.conftest import shared_path

ARGS = ["--workers", "0", "--no-progress", "--device", "cpu"]


def _cifar():
    w = shared_path("weights", "cifar10-resnet", "resnet20-12fca82f.th")
    return f"cifar10_resnet20={w}", str(shared_path("datasets", "cifar10", "test"))


def _timeless(records):
    """Records without their wall-clock column, the only one two runs may differ in."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def _counting(monkeypatch, module, name, stop_at=None):
    """Wrap ``module.name`` to count its calls; the call number ``stop_at`` raises KeyboardInterrupt (Ctrl-C)."""
    real, calls = getattr(module, name), []

    def wrapper(*a, **k):
        calls.append(1)
        if stop_at is not None and len(calls) == stop_at:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def _clean_batch(spec, data, n):
    """The command's fixed clean batch of ``n`` images and the model, loaded independently of the run."""
    from intriguing.curvature.batches import decode, select_images, tensors
    from intriguing.data import scan_folder
    from intriguing.zoo import load_model

    b = load_model(spec)
    chosen = select_images(scan_folder(data), 1, n, 0)
    ((x, y),) = tensors(decode(chosen, [b.geometry], n, 0), b.geometry, "clean", 0, torch.device("cpu"))
    return b, x, y


def test_landscape_resumes_an_interrupted_grid_without_recomputing_points(tmp_path, monkeypatch):
    from intriguing.experiments.landscape import grid

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
        "--no-plot",
        *ARGS,
    ]
    assert main("landscape", [*args, "--out-dir", str(tmp_path / "ref")]) == 0
    ref = read_records(tmp_path / "ref")
    assert len(ref) == 18  # 3 x 3 points x 2 data conditions
    out = str(tmp_path / "run")
    _counting(monkeypatch, grid, "evaluate_nll", stop_at=6)  # Ctrl-C while the 6th point is evaluated
    assert main("landscape", [*args, "--out-dir", out]) == 130
    assert len(read_records(out)) == 5
    calls = _counting(monkeypatch, grid, "evaluate_nll")
    assert main("landscape", [*args, "--out-dir", out]) == 0
    assert len(calls) == 13  # only the 13 points not recorded
    assert _timeless(read_records(out)) == _timeless(ref)


@pytest.mark.slow
def test_hessian_resumes_mid_spectrum_without_recomputing_batches(tmp_path, monkeypatch):
    from intriguing.experiments.hessian import spectra

    spec, data = _cifar()
    args = [
        "--models",
        spec,
        "--data-path",
        data,
        "--batches",
        "3",
        "--batch-size",
        "8",
        "--top-k",
        "2",
        "--lanczos-steps",
        "4",
        "--power-iters",
        "5",
        "--trace-samples",
        "2",
        "--slq-vectors",
        "2",
        "--no-plot",
        *ARGS,
    ]
    assert main("hessian", [*args, "--out-dir", str(tmp_path / "ref")]) == 0
    ref = read_records(tmp_path / "ref")
    out = str(tmp_path / "run")
    _counting(monkeypatch, spectra, "power_iteration", stop_at=2)  # Ctrl-C on the spectrum's second mini-batch
    assert main("hessian", [*args, "--out-dir", out]) == 130
    first = read_records(out)
    assert sorted((r["measure"], r["index"]) for r in first) == [
        ("eigenvalue", 0),
        ("eigenvalue", 1),
        ("max_eigenvalue", 0),
    ]
    power = _counting(monkeypatch, spectra, "power_iteration")
    top = _counting(monkeypatch, spectra, "top_eigenvalues")
    density = _counting(monkeypatch, spectra, "slq")
    assert main("hessian", [*args, "--out-dir", out]) == 0
    assert (len(top), len(power), len(density)) == (0, 2, 2)  # top-k and batch 0 are not redone
    assert _timeless(read_records(out)) == _timeless(ref)


def test_one_dimensional_landscape_walks_along_one_filter_normalised_direction(tmp_path):
    from intriguing.curvature.directions import random_direction
    from intriguing.seeding import generator

    spec, data = _cifar()
    out = tmp_path / "line"
    assert (
        main(
            "landscape",
            [
                "--models",
                spec,
                "--data-path",
                data,
                "--dims",
                "1",
                "--points",
                "5",
                "--span",
                "0.5",
                "--batches",
                "1",
                "--batch-size",
                "8",
                "--data",
                "clean",
                "--weight-decay",
                "0",
                "--out-dir",
                str(out),
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    assert [r["x"] for r in recs] == [-0.5, -0.25, 0.0, 0.25, 0.5] and {r["y"] for r in recs} == {0.0}
    assert {r["dims"] for r in recs} == {1} and (out / "landscape_1d.png").is_file()
    # theta + 0.5 d by hand, d drawn as the command draws its first axis
    b, x, y = _clean_batch(spec, data, 8)
    d = random_direction(list(b.model.named_parameters()), generator(0, "landscape-direction", 0))
    with torch.no_grad():
        nll0 = float(F.cross_entropy(b(x), y))
        for p, di in zip(b.model.parameters(), d):
            p.add_(di, alpha=0.5)
        nll = float(F.cross_entropy(b(x), y))
    assert recs[2]["loss"] == pytest.approx(nll0, rel=1e-5)
    assert recs[4]["loss"] == pytest.approx(nll, rel=1e-5) and nll > nll0


@pytest.mark.parametrize("l2", ["squared", "paper"])
def test_landscape_origin_is_the_nll_plus_the_weight_decay_term(tmp_path, l2):
    spec, data = _cifar()
    wd = 0.01
    out = tmp_path / l2
    assert (
        main(
            "landscape",
            [
                "--models",
                spec,
                "--data-path",
                data,
                "--points",
                "1",
                "--batches",
                "1",
                "--batch-size",
                "8",
                "--data",
                "clean",
                "--weight-decay",
                str(wd),
                "--l2",
                l2,
                "--no-plot",
                "--out-dir",
                str(out),
                *ARGS,
            ],
        )
        == 0
    )
    (origin,) = read_records(out)
    b, x, y = _clean_batch(spec, data, 8)
    with torch.no_grad():
        nll = float(F.cross_entropy(b(x), y))
    params = [p.detach().double() for p in b.model.parameters()]  # every parameter, BatchNorm's included
    reg = (
        0.5 * wd * sum(float((p**2).sum()) for p in params)
        if l2 == "squared"
        else wd * sum(float(p.norm()) for p in params)
    )
    assert reg > 0.1 * nll  # the L2 term is no rounding error next to the NLL: the test would see it missing
    assert origin["l2_term"] == pytest.approx(reg, rel=1e-9)
    assert origin["loss"] == pytest.approx(nll + reg, rel=1e-5)
