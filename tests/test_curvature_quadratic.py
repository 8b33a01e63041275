"""The Hessian machinery on a model whose Hessian is known in closed form, through the command's own code path.

The model is binary logistic regression with logits (0, w.x) evaluated at w = 0, where every softmax probability is
1/2: the cross-entropy's Hessian is then 0.25 * mean_i x_i x_i^T whatever the labels, and the squared L2 term adds
wd * I. Inputs x_i = 2 sqrt(N mu_i) q_i make it H = Q diag(mu) Q^T + wd I exactly, so every estimate below
(Lanczos / power top-k, Hutchinson's trace, SLQ nodes and weights, the per-batch max eigenvalue of the spectrum) is
compared with numbers known without the code under test.
"""

from __future__ import annotations

import pytest
import torch

from intriguing.curvature.eigen import hutchinson_trace, rademacher, slq, spectral_density, top_eigenvalues
from intriguing.curvature.hessian import LossHessian
from intriguing.experiments.hessian.config import Config
from intriguing.experiments.hessian.spectra import ModelSpectra

F64 = torch.float64


class Logistic(torch.nn.Module):
    """Logits (0, w.x) with w = 0: the point where the cross-entropy's Hessian is 0.25 * mean x x^T."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(d, dtype=F64))
        self.name, self.weights_id = "quadratic", "closed-form"  # what ModelSpectra reads off a bundle

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x @ self.w
        return torch.stack([torch.zeros_like(s), s], 1)


def rotation(d: int, seed: int = 0) -> torch.Tensor:
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=torch.Generator().manual_seed(seed), dtype=F64))
    return q


def quadratic(mu: list[float], q: torch.Tensor, per_batch: int) -> tuple[Logistic, list]:
    """The model and its batches: one input per column of ``q`` (N = len(mu) images), labels alternating."""
    n = len(mu)
    x = torch.stack([2 * (n * m) ** 0.5 * q[:, i] for i, m in enumerate(mu)])
    y = torch.arange(n) % 2  # the Hessian at w = 0 does not depend on the labels
    return Logistic(q.shape[0]), [(x[i : i + per_batch], y[i : i + per_batch]) for i in range(0, n, per_batch)]


def expected(mu: list[float], q: torch.Tensor, wd: float) -> torch.Tensor:
    return q @ torch.diag(torch.tensor(mu, dtype=F64)) @ q.T + wd * torch.eye(q.shape[0], dtype=F64)


# 8 dimensions, distinct curvatures (two zero), rotated; wd = 0.5 shifts them to 4.5, 3, 2, 1.5, 1, 0.75, 0.5, 0.5
MU = [4.0, 2.5, 1.5, 1.0, 0.5, 0.25, 0.0, 0.0]
WD = 0.5
EIGS = sorted((m + WD for m in MU), reverse=True)


def test_the_operator_is_the_closed_form_hessian():
    q = rotation(8)
    model, batches = quadratic(MU, q, per_batch=3)  # 3 batches of 3, 3, 2: the multi-batch path
    op = LossHessian(model, list(model.parameters()), batches, weight_decay=WD)
    h = torch.stack([op.matvec(e) for e in torch.eye(8, dtype=F64)], 1)
    assert torch.allclose(h, expected(MU, q, WD), atol=1e-12)


def test_top_k_by_lanczos_and_power_iteration_are_exact():
    model, batches = quadratic(MU, rotation(8), per_batch=8)  # one batch: the cached-graph path
    op = LossHessian(model, list(model.parameters()), batches, weight_decay=WD)
    lanczos = top_eigenvalues(op, 8, k=3, method="lanczos", steps=8, dtype=F64)
    assert lanczos == pytest.approx(EIGS[:3], abs=1e-9)
    power = top_eigenvalues(op, 8, k=3, method="power", steps=2000, tol=1e-14, dtype=F64)
    assert power == pytest.approx(EIGS[:3], abs=1e-7)


def test_hutchinson_trace_within_its_standard_error_and_exact_on_a_diagonal_hessian():
    model, batches = quadratic(MU, rotation(8), per_batch=8)
    op = LossHessian(model, list(model.parameters()), batches, weight_decay=WD)
    tr = hutchinson_trace(op, 8, samples=200, generator=torch.Generator().manual_seed(1), dtype=F64)
    assert abs(tr.trace - sum(EIGS)) <= 4 * tr.stderr and tr.stderr < 0.03 * sum(EIGS)  # 13.75 +- a few %
    # axis-aligned: z^T D z = trace(D) for every Rademacher z, so the estimate is exact and its spread 0
    model, batches = quadratic(MU, torch.eye(8, dtype=F64), per_batch=3)
    op = LossHessian(model, list(model.parameters()), batches, weight_decay=WD)
    tr = hutchinson_trace(op, 8, samples=3, dtype=F64)
    assert tr.trace == pytest.approx(sum(EIGS), abs=1e-12) and tr.stderr == pytest.approx(0.0, abs=1e-12)


def test_slq_weights_are_the_eigenvalue_multiplicities():
    # eigenvalues {5, 1, 1, 1} on the axes: every Rademacher start has weight exactly 1/4 on 5 and 3/4 on 1
    model, batches = quadratic([4.0, 0.0, 0.0, 0.0], torch.eye(4, dtype=F64), per_batch=2)
    op = LossHessian(model, list(model.parameters()), batches, weight_decay=1.0)
    for nodes, weights in slq(op, 4, steps=4, vectors=3, dtype=F64):
        assert nodes.tolist() == pytest.approx([1.0, 5.0], abs=1e-9)  # the Krylov space stops at 2 dimensions
        assert weights.tolist() == pytest.approx([0.75, 0.25], abs=1e-12)
    grid = torch.linspace(-2, 8, 2001, dtype=F64)
    dens = spectral_density(slq(op, 4, steps=4, vectors=2, dtype=F64), grid, sigma=0.1)
    step = float(grid[1] - grid[0])
    assert float(dens.sum()) * step == pytest.approx(1.0, abs=1e-6)
    assert float(dens[grid < 3].sum()) * step == pytest.approx(0.75, abs=1e-6)


def test_slq_weights_on_a_rotated_repeated_spectrum():
    # 40 dimensions, eigenvalue 5 ten times and 1 thirty times, in a random basis: each start vector z puts weight
    # ||P z||^2 / ||z||^2 on 5 (P the projector on its eigenspace), whose mean over Rademacher z is exactly 1/4
    d, q = 40, rotation(40, seed=3)
    model, batches = quadratic([4.0] * 10 + [0.0] * 30, q, per_batch=40)
    op = LossHessian(model, list(model.parameters()), batches, weight_decay=1.0)
    quad = slq(op, d, steps=6, vectors=24, generator=torch.Generator().manual_seed(7), dtype=F64)
    gen, proj = torch.Generator().manual_seed(7), q[:, :10] @ q[:, :10].T
    on_five = []
    for nodes, weights in quad:
        z = rademacher(d, gen, dtype=F64)  # the start vector slq drew
        assert nodes.tolist() == pytest.approx([1.0, 5.0], abs=1e-8)
        assert float(weights[1]) == pytest.approx(float(z @ proj @ z) / d, abs=1e-9)
        on_five.append(float(weights[1]))
    assert sum(on_five) / len(on_five) == pytest.approx(0.25, abs=0.05)


def test_the_commands_measures_on_the_quadratic():
    """ModelSpectra, the code `intriguing hessian` runs per model: every record against the closed form."""
    q = rotation(8)
    model, batches = quadratic(MU, q, per_batch=4)  # 2 mini-batches for the spectrum
    config = Config(
        measures=("top-k", "spectrum", "trace", "density"),
        batches=2,
        top_k=3,
        lanczos_steps=8,
        power_iters=3000,
        tol=1e-14,
        trace_samples=50,
        slq_vectors=2,
        weight_decay=WD,
    )
    rows: list[dict] = []
    ms = ModelSpectra(config, model, list(model.parameters()), batches, "clean", set(), rows.extend)
    ms.top_k(), ms.spectrum(), ms.trace(), ms.density()
    by = lambda m: [r for r in rows if r["measure"] == m]  # noqa: E731
    assert [r["value"] for r in by("eigenvalue")] == pytest.approx(EIGS[:3], abs=1e-9)
    for r, (x, _) in zip(by("max_eigenvalue"), batches):  # each mini-batch's own Hessian: 0.25 mean x x^T + wd I
        own = 0.25 * x.T @ x / len(x) + WD * torch.eye(8, dtype=F64)
        assert r["value"] == pytest.approx(float(torch.linalg.eigvalsh(own).max()), rel=1e-7)
    (tr,) = by("trace")
    assert abs(tr["value"] - sum(EIGS)) <= 4 * tr["stderr"]
    for v in (0, 1):
        nodes = sorted(r["value"] for r in by("slq") if r["index"] == v)
        assert nodes == pytest.approx(sorted(set(EIGS)), abs=1e-6)  # 7 distinct eigenvalues, 8 steps
        assert sum(r["weight"] for r in by("slq") if r["index"] == v) == pytest.approx(1.0, abs=1e-12)
