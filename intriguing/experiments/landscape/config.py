"""Options of ``intriguing landscape``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.curvature.choices import DATA_CONDITIONS, IGNORES, L2_KINDS, NORMS
from intriguing.errors import UserError
from intriguing.options import check_declared, option

PAPER_EXCLUDE = ("pos_embed", "relative_position")  # Park & Kim's notebook holds these fixed


@dataclass
class Config:
    dims: int = option(2, "1: loss along one random direction; 2: on the plane of two", choices=(1, 2))
    points: int = option(21, "grid points per axis (odd: the trained weights are a grid point)", within="[1, inf)")
    span: float = option(
        1.0, "the grid runs over [-span, span] in units of the filter-normalised direction", within="(0, inf)"
    )
    batches: int = option(
        4, "mini-batches (of --batch-size images) in the fixed, seeded evaluation set", within="[1, inf)"
    )
    data: tuple[str, ...] = option(
        DATA_CONDITIONS,
        "data conditions: augmented (seeded crop + flip, Park & Kim's protocol) and/or clean",
        choices=DATA_CONDITIONS,
    )
    weight_decay: float = option(5e-4, "weight of the L2 term added to the NLL (0: NLL only)", within="[0, inf)")
    l2: str = option(
        "squared", "squared: (wd/2)*||theta||^2; paper: wd*sum of per-tensor norms (Park & Kim)", choices=L2_KINDS
    )
    ignore: str = option(
        "biasbn",
        "1-D parameters (biases, norm layers): biasbn = zero direction (Li et al.'s "
        "--xignore biasbn); none = the weight itself (their other branch)",
        choices=IGNORES,
    )
    norm: str = option(
        "filter", "filter: per output filter (Li et al.); paper: Park & Kim's norm over dim 0", choices=NORMS
    )
    exclude: tuple[str, ...] = option((), "regexes of parameter names held fixed (zero direction)")
    # filled from the common options
    seed: int = 0
    paper_compat: bool = False

    def __post_init__(self) -> None:
        check_declared(self)
        if not self.data:
            raise UserError("--data needs at least one of augmented, clean.")
        if self.paper_compat:  # Park & Kim's ops/loss_landscapes.py and losslandscape.ipynb
            self.norm, self.l2 = "paper", "paper"
            self.exclude = tuple(dict.fromkeys(tuple(self.exclude) + PAPER_EXCLUDE))
