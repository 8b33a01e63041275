"""Curvature: exact answers on matrices with a known spectrum, Hessian-vector products against autograd's full
Hessian, Li et al.'s filter normalisation, the landscape's origin equal to the model's loss, and both commands end to
end on the real CIFAR-10 ResNets (and a tiny random-init ViT for the mechanics)."""

from __future__ import annotations

import numpy as np
import pytest
import timm
import torch
import torch.nn.functional as F

from intriguing.cli import run_command as main
from intriguing.curvature.directions import filter_normalize, random_direction
from intriguing.curvature.eigen import hutchinson_trace, power_iteration, slq, top_eigenvalues
from intriguing.curvature.hessian import LossHessian
from intriguing.records import read_records
from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD, ZOO, ZooEntry
from tests.conftest import shared_path

ARGS = ["--workers", "0", "--no-progress", "--device", "cpu"]
SPECTRUM = torch.tensor([5.0, -3.0, 2.0, 1.0, 0.5, 0.25, -0.1, 0.0], dtype=torch.float64)


def _matrix() -> torch.Tensor:
    """A symmetric 8x8 matrix with SPECTRUM as eigenvalues (a random rotation of the diagonal)."""
    q, _ = torch.linalg.qr(torch.randn(8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    return q @ torch.diag(SPECTRUM) @ q.T


def test_eigenvalues_trace_and_density_of_a_known_quadratic():
    a = _matrix()
    mv = lambda v: a @ v.double()
    top = top_eigenvalues(mv, 8, k=3, method="lanczos", steps=8, dtype=torch.float64)
    assert top == pytest.approx([5.0, -3.0, 2.0], abs=1e-8)  # largest magnitude first, signs kept
    power = power_iteration(mv, 8, k=2, iters=500, tol=1e-12, dtype=torch.float64).eigenvalues
    assert power == pytest.approx([5.0, -3.0], abs=1e-4)
    # Rademacher probes on a diagonal matrix: z^T D z = trace exactly, for every probe
    d = torch.diag(SPECTRUM)
    tr = hutchinson_trace(lambda v: d @ v.double(), 8, samples=4, dtype=torch.float64)
    assert tr.trace == pytest.approx(float(SPECTRUM.sum()), abs=1e-12) and tr.stderr == pytest.approx(0, abs=1e-12)
    # SLQ with as many steps as dimensions: the nodes are the eigenvalues, the weights sum to 1
    ((nodes, weights),) = slq(mv, 8, steps=8, vectors=1, dtype=torch.float64)
    assert sorted(nodes.tolist()) == pytest.approx(sorted(SPECTRUM.tolist()), abs=1e-6)
    assert float(weights.sum()) == pytest.approx(1.0, abs=1e-9)


def test_loss_hessian_products_equal_autograds_full_hessian():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).double()
    x, y = torch.randn(6, 3, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2])
    params = [p.requires_grad_(True) for p in model.parameters()]
    batches = [(x[:3], y[:3]), (x[3:], y[3:])]
    h_op = LossHessian(model, params, batches, weight_decay=0.1, l2="squared")
    names = [n for n, _ in model.named_parameters()]

    def loss(*ps):
        out = torch.func.functional_call(model, dict(zip(names, ps)), (x,))
        nll = (F.cross_entropy(out[:3], y[:3]) + F.cross_entropy(out[3:], y[3:])) / 2  # mean over the batch set
        return nll + 0.05 * sum((p**2).sum() for p in ps)

    full = torch.autograd.functional.hessian(loss, tuple(p.detach() for p in params))
    n = sum(p.numel() for p in params)
    rows = [
        torch.cat([full[i][j].reshape(params[i].numel(), -1) for j in range(len(params))], 1)
        for i in range(len(params))
    ]
    h = torch.cat(rows, 0)
    v = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(h_op.matvec(v), h @ v, atol=1e-9)


def test_directions_have_each_filters_norm_and_skip_biases_and_norms():
    model = timm.create_model("resnet10t", pretrained=False)
    named = list(model.named_parameters())
    d = random_direction(named, torch.Generator().manual_seed(0))
    for (name, w), di in zip(named, d):
        if w.dim() <= 1:
            assert not di.any(), name  # Li et al.'s --xignore biasbn
        else:
            assert torch.allclose(di.flatten(1).norm(dim=1), w.detach().flatten(1).norm(dim=1), rtol=1e-4), name
    w = torch.randn(4, 3, 2, 2)
    assert torch.allclose(
        filter_normalize(torch.randn(4, 3, 2, 2), w).flatten(1).norm(dim=1), w.flatten(1).norm(dim=1), rtol=1e-5
    )


def _cifar():
    w = shared_path("weights", "cifar10-resnet", "resnet20-12fca82f.th")
    return f"cifar10_resnet20={w}", shared_path("datasets", "cifar10", "test")


def _tiny_cifar_vit(checkpoint, pretrained):
    torch.manual_seed(0)
    return timm.create_model(
        "vit_tiny_patch16_224",
        pretrained=False,
        img_size=32,
        patch_size=8,
        embed_dim=32,
        depth=2,
        num_heads=2,
        num_classes=10,
    ).eval()


if "test_cifar_vit" not in ZOO:
    ZOO.register(
        "test_cifar_vit",
        ZooEntry(
            name="test_cifar_vit",
            build=_tiny_cifar_vit,
            description="test only",
            data_config=dict(
                input_size=(3, 32, 32),
                interpolation="bilinear",
                mean=IMAGENET_MEAN,
                std=IMAGENET_STD,
                crop_pct=1.0,
                crop_mode="center",
            ),
        ),
    )


def test_landscape_on_a_real_cifar_resnet_starts_at_the_models_loss(tmp_path):
    spec, data = _cifar()
    out = tmp_path / "land"
    assert (
        main(
            "landscape",
            [
                "--models",
                f"{spec},test_cifar_vit=random",
                "--data-path",
                str(data),
                "--points",
                "3",
                "--batches",
                "1",
                "--batch-size",
                "16",
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
    assert {r["model"] for r in recs} == {"cifar10_resnet20", "test_cifar_vit=random"}  # NAME=PATH records NAME
    assert len([r for r in recs if r["model"] == "cifar10_resnet20"]) == 9  # 3 x 3 grid
    origin = next(r for r in recs if r["model"] == "cifar10_resnet20" and r["x"] == 0 and r["y"] == 0)
    # the same 16 images scored directly: the grid's origin is the trained model's NLL
    from intriguing.curvature.batches import decode, select_images, tensors
    from intriguing.data import scan_folder
    from intriguing.zoo import load_model

    b = load_model(spec)
    chosen = select_images(scan_folder(data), 1, 16, 0)
    ((x, y),) = tensors(decode(chosen, [b.geometry], 16, 0), b.geometry, "clean", 0, torch.device("cpu"))
    with torch.no_grad():
        nll = float(F.cross_entropy(b(x), y))
    assert origin["loss"] == pytest.approx(nll, rel=1e-5)
    assert (
        min(r["loss"] for r in recs if r["model"] == "cifar10_resnet20" and r is not origin) > origin["loss"]
    )  # a minimum: every step goes up
    assert (out / "landscape_contour.png").is_file()


@pytest.mark.slow
def test_hessian_on_a_real_cifar_resnet(tmp_path):
    spec, data = _cifar()
    out = tmp_path / "hess"
    assert (
        main(
            "hessian",
            [
                "--models",
                f"{spec},test_cifar_vit=random",
                "--data-path",
                str(data),
                "--batches",
                "2",
                "--batch-size",
                "8",
                "--top-k",
                "2",
                "--lanczos-steps",
                "6",
                "--power-iters",
                "10",
                "--trace-samples",
                "4",
                "--slq-vectors",
                "1",
                "--out-dir",
                str(out),
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    assert {r["model"] for r in recs} == {"cifar10_resnet20", "test_cifar_vit=random"}
    mine = [r for r in recs if r["model"] == "cifar10_resnet20"]
    top = sorted((r for r in mine if r["measure"] == "eigenvalue"), key=lambda r: r["index"])
    assert len(top) == 2 and abs(top[0]["value"]) >= abs(top[1]["value"])  # largest magnitude first
    assert top[0]["value"] > 0  # a trained network sits near a minimum: the dominant curvature is positive
    per_batch = [r for r in mine if r["measure"] == "max_eigenvalue"]
    assert len(per_batch) == 2 and all(np.isfinite(r["value"]) for r in per_batch)  # one per mini-batch
    trace = [r for r in mine if r["measure"] == "trace"]
    assert len(trace) == 1 and trace[0]["value"] > 0
    density = [r for r in mine if r["measure"] == "slq"]
    assert density and sum(r["weight"] for r in density) == pytest.approx(1.0, abs=1e-6)  # SLQ weights, 1 vector
