"""Options of ``intriguing hessian``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.curvature.choices import DATA_CONDITIONS, L2_KINDS
from intriguing.errors import UserError
from intriguing.options import check_declared, option

MEASURES = ("top-k", "spectrum", "trace", "density")
METHODS = ("lanczos", "power")


@dataclass
class Config:
    measures: tuple[str, ...] = option(
        MEASURES,
        "top-k: k largest-magnitude eigenvalues on the whole batch set; "
        "spectrum: the dominant eigenvalue of each mini-batch (Park & Kim); "
        "trace: Hutchinson; density: stochastic Lanczos quadrature",
        choices=MEASURES,
    )
    batches: int = option(8, "mini-batches (of --batch-size images) in the fixed, seeded set", within="[1, inf)")
    data: tuple[str, ...] = option(
        ("augmented",), "data conditions: augmented (seeded crop + flip) and/or clean", choices=DATA_CONDITIONS
    )
    top_k: int = option(5, "eigenvalues for top-k", within="[1, inf)")
    method: str = option("lanczos", "top-k by Lanczos (Ritz values) or power iteration with deflation", choices=METHODS)
    lanczos_steps: int = option(
        40, "Lanczos steps for top-k and for each SLQ vector (memory: steps x parameters)", within="[1, inf)"
    )
    power_iters: int = option(100, "most power iterations per eigenvalue (spectrum, --method power)", within="[1, inf)")
    tol: float = option(
        1e-3, "relative change of the Rayleigh quotient that stops power iteration (PyHessian's)", within="[0, inf)"
    )
    trace_samples: int = option(100, "Rademacher vectors for Hutchinson's trace", within="[1, inf)")
    slq_vectors: int = option(3, "random start vectors for the SLQ density", within="[1, inf)")
    weight_decay: float = option(
        0.0, "weight of an L2 term in the loss (squared: adds exactly wd to every eigenvalue)", within="[0, inf)"
    )
    l2: str = option("squared", "squared: (wd/2)*||theta||^2; paper: wd*sum of per-tensor norms", choices=L2_KINDS)
    # filled from the common options
    seed: int = 0

    def __post_init__(self) -> None:
        check_declared(self)
        if self.lanczos_steps < self.top_k:
            raise UserError(f"--lanczos-steps ({self.lanczos_steps}) must be at least --top-k ({self.top_k}).")
        if not self.measures or not self.data:
            raise UserError("--measures and --data each need at least one value.")
