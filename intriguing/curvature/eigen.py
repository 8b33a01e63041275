"""Spectral estimates of a symmetric operator given only its matrix-vector product.

Everything here works on flat vectors and a ``matvec`` callable, so the same functions serve a
network's Hessian (:mod:`.hessian`) and the explicit matrices of the tests:

* :func:`power_iteration`: the k eigenvalues of largest magnitude, one at a time, deflating the ones
  found (what PyHessian does, and what Park & Kim's "max eigenvalue" per mini-batch is);
* :func:`lanczos`: the tridiagonal T of a Krylov basis (full re-orthogonalisation), whose Ritz values
  give the extreme eigenvalues (:func:`top_eigenvalues`) and, from a random start, the nodes and
  weights of stochastic Lanczos quadrature (:func:`slq`, Ghorbani et al. 2019; Ubaru et al. 2017);
* :func:`hutchinson_trace`: tr(H) = E[z^T H z] over Rademacher z;
* :func:`spectral_density`: the SLQ nodes/weights smoothed with a Gaussian kernel.

Coefficients are accumulated in float64 (the vectors stay in the operator's dtype) so the small
tridiagonal problems are solved accurately.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional

import torch

MatVec = Callable[[torch.Tensor], torch.Tensor]


def rademacher(
    n: int, generator: torch.Generator, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """n independent +-1 draws (CPU generator, so every device sees the same vector)."""
    return (torch.randint(0, 2, (n,), generator=generator) * 2 - 1).to(device=device, dtype=dtype)


def _gaussian(n: int, generator: torch.Generator, device, dtype) -> torch.Tensor:
    return torch.randn(n, generator=generator).to(device=device, dtype=dtype)


def _orthogonalize(w: torch.Tensor, basis: Sequence[torch.Tensor]) -> torch.Tensor:
    """Classical Gram-Schmidt, applied twice ("twice is enough") against unit vectors ``basis``."""
    for _ in range(2):
        for u in basis:
            w = w - torch.dot(w, u) * u
    return w


@dataclass
class PowerResult:
    eigenvalues: list[float]
    eigenvectors: list[torch.Tensor]
    iterations: list[int]


def power_iteration(
    matvec: MatVec,
    n: int,
    k: int = 1,
    iters: int = 100,
    tol: float = 1e-5,
    generator: Optional[torch.Generator] = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> PowerResult:
    """The ``k`` eigenvalues of largest magnitude by power iteration with deflation.

    Each eigenvalue is the Rayleigh quotient once it changes by less than ``tol`` (relative) between
    two iterations, or after ``iters``; later ones iterate in the complement of the earlier vectors.
    The sign is kept: a dominant negative eigenvalue comes out negative.
    """
    generator = generator or torch.Generator().manual_seed(0)
    vals, vecs, its = [], [], []
    for _ in range(k):
        v = _orthogonalize(_gaussian(n, generator, device, dtype), vecs)
        v = v / v.norm()
        lam: Optional[float] = None
        it = 0
        for it in range(1, iters + 1):  # noqa: B007 (read after the loop: the iterations it took)
            w = _orthogonalize(matvec(v), vecs)  # deflation: stay in the complement of what was found
            new = float(torch.dot(w.double(), v.double()))
            norm = w.norm()
            if norm == 0:  # v lies in the null space: its eigenvalue is 0
                lam = 0.0
                break
            v = w / norm
            if lam is not None and abs(new - lam) <= tol * max(abs(new), 1e-12):
                lam = new
                break
            lam = new
        vals.append(float(lam))
        vecs.append(v)
        its.append(it)
    return PowerResult(vals, vecs, its)


@dataclass
class LanczosResult:
    alpha: torch.Tensor  # (m,) float64 diagonal of T
    beta: torch.Tensor  # (m-1,) float64 off-diagonal of T

    @property
    def steps(self) -> int:
        return int(self.alpha.numel())

    def tridiagonal(self) -> torch.Tensor:
        t = torch.diag(self.alpha)
        if self.beta.numel():
            t += torch.diag(self.beta, 1) + torch.diag(self.beta, -1)
        return t

    def ritz(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(Ritz values ascending, squared first components of T's eigenvectors = SLQ weights)."""
        theta, s = torch.linalg.eigh(self.tridiagonal())
        return theta, s[0] ** 2


def lanczos(matvec: MatVec, v0: torch.Tensor, steps: int, breakdown: float = 1e-7) -> LanczosResult:
    """``steps`` Lanczos steps from ``v0`` with full re-orthogonalisation (stores the basis: steps x n).

    Stops early when the Krylov space is invariant (beta below ``breakdown`` times the largest
    |alpha|): T's eigenvalues are then exact eigenvalues of the operator.
    """
    v = v0 / v0.norm()
    basis = [v]
    alphas: list[float] = []
    betas: list[float] = []
    for j in range(steps):
        w = matvec(v)
        a = float(torch.dot(w.double(), v.double()))
        alphas.append(a)
        if j == steps - 1:
            break
        w = _orthogonalize(w, basis)  # removes a*v and beta*v_prev too, and rounding drift
        b = float(w.norm())
        if b <= breakdown * max(1.0, max(abs(x) for x in alphas)):
            break
        betas.append(b)
        v = w / b
        basis.append(v)
    return LanczosResult(torch.tensor(alphas, dtype=torch.float64), torch.tensor(betas, dtype=torch.float64))


def top_eigenvalues(
    matvec: MatVec,
    n: int,
    k: int = 1,
    method: str = "lanczos",
    steps: int = 50,
    tol: float = 1e-5,
    generator: Optional[torch.Generator] = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> list[float]:
    """The ``k`` eigenvalues of largest magnitude, largest first (signs kept).

    ``method="power"``: power iteration with deflation (``steps`` iterations at most per eigenvalue);
    ``method="lanczos"``: Ritz values of ``steps`` Lanczos steps (converges far faster for k > 1).
    """
    generator = generator or torch.Generator().manual_seed(0)
    if method == "power":
        return power_iteration(matvec, n, k, steps, tol, generator, device, dtype).eigenvalues
    if method != "lanczos":
        raise ValueError(f"unknown eigenvalue method {method!r}")
    res = lanczos(matvec, _gaussian(n, generator, device, dtype), max(steps, k))
    theta, _ = res.ritz()
    order = theta.abs().argsort(descending=True)
    return [float(theta[i]) for i in order[:k]]


@dataclass
class TraceResult:
    trace: float
    stderr: float
    samples: list[float]


def hutchinson_trace(
    matvec: MatVec,
    n: int,
    samples: int,
    generator: Optional[torch.Generator] = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> TraceResult:
    """Hutchinson's estimator with Rademacher probes: mean of z^T H z and its standard error."""
    generator = generator or torch.Generator().manual_seed(0)
    vals = []
    for _ in range(samples):
        z = rademacher(n, generator, device, dtype)
        vals.append(float(torch.dot(matvec(z).double(), z.double())))
    t = torch.tensor(vals, dtype=torch.float64)
    se = float(t.std(unbiased=True) / len(vals) ** 0.5) if len(vals) > 1 else float("nan")
    return TraceResult(float(t.mean()), se, vals)


def slq(
    matvec: MatVec,
    n: int,
    steps: int,
    vectors: int = 1,
    generator: Optional[torch.Generator] = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Stochastic Lanczos quadrature: per Rademacher start vector, (nodes, weights) with weights summing
    to 1; the spectral density is approximated by sum_j weight_j * delta(t - node_j), averaged over vectors."""
    generator = generator or torch.Generator().manual_seed(0)
    return [lanczos(matvec, rademacher(n, generator, device, dtype), steps).ritz() for _ in range(vectors)]


def spectral_density(
    quadrature: Sequence[tuple[torch.Tensor, torch.Tensor]], grid: torch.Tensor, sigma: float
) -> torch.Tensor:
    """Gaussian-smoothed SLQ density on ``grid`` (integrates to ~1 when the grid covers the nodes)."""
    grid = grid.double()
    dens = torch.zeros_like(grid)
    for nodes, weights in quadrature:
        z = (grid[:, None] - nodes.double()[None, :]) / sigma
        dens += (weights.double()[None, :] * torch.exp(-0.5 * z**2)).sum(1) / (sigma * (2 * torch.pi) ** 0.5)
    return dens / max(len(quadrature), 1)
