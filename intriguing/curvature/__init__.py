"""Curvature of a network's loss: filter-normalised landscape directions (:mod:`.directions`), the NLL + L2
objective (:mod:`.objective`), Hessian-vector products (:mod:`.hessian`), spectral estimates from products
(:mod:`.eigen`: power iteration, Lanczos, Hutchinson, SLQ) and the fixed batch set they are measured on
(:mod:`.batches`). Written here rather than taken from PyHessian / loss-landscapes: see docs/readme/landscape.md."""
from intriguing.curvature.directions import IGNORES, NORMS, filter_normalize, grid_coords, random_direction, set_point
from intriguing.curvature.eigen import (hutchinson_trace, lanczos, power_iteration, rademacher, slq, spectral_density,
                                        top_eigenvalues)
from intriguing.curvature.hessian import LossHessian, trainable
from intriguing.curvature.objective import L2_KINDS, evaluate_nll, l2_norms, l2_term

__all__ = ["IGNORES", "NORMS", "filter_normalize", "grid_coords", "random_direction", "set_point", "hutchinson_trace",
           "lanczos", "power_iteration", "rademacher", "slq", "spectral_density", "top_eigenvalues", "LossHessian",
           "trainable", "L2_KINDS", "evaluate_nll", "l2_norms", "l2_term"]
