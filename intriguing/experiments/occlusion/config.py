"""Options of ``intriguing occlusion`` (PatchDrop): the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.errors import UserError
from intriguing.experiments.occlusion.saliency_drop import PAPER_LEVELS, SALIENCY_DROPS, SaliencyOptions
from intriguing.options import check_declared, option
from intriguing.perturb.grid import parse_grid

DROPS = ("random", "random-offset") + SALIENCY_DROPS
DEFAULT_RATIOS = tuple(round(0.1 * i, 1) for i in range(10))


@dataclass
class Config:
    ratios: tuple[float, ...] = option(DEFAULT_RATIOS, "fractions of cells to drop", within="[0, 1]")
    drop: tuple[str, ...] = option(("random",), f"conditions: {', '.join(DROPS)}", choices=DROPS)
    grid: Optional[str] = option(
        None,
        "HxW cell grid (default: the model's patch grid, CNNs 16-px cells, "
        "at least 8x8 cells on small inputs; 224x224 = pixel drop)",
    )
    drop_mode: str = option("pixels", "tokens: ViTs run on the kept patch tokens only", choices=("pixels", "tokens"))
    fill: str = option("black", "black | mean | a value in [0, 1] for dropped pixels")
    mask_per_batch: bool = option(False, "one mask for the whole batch (the original's quirk)")
    stack_conditions: int = option(
        1,
        "evaluate up to N pixel-drop conditions in one forward pass (N x --batch-size "
        "images): fills a GPU with a small model; results equal up to float rounding",
        within="[1, inf)",
    )
    saliency: SaliencyOptions = option(SaliencyOptions(), "salient / non-salient drop", cli=False)
    # filled from the common options
    runs: int = 1
    seed: int = 0
    paper_compat: bool = False

    def __post_init__(self) -> None:
        check_declared(self)
        if self.grid:
            parse_grid(self.grid)  # '7y9' or '0x0' is one sentence now, not a failed model later
        unknown = [d for d in self.drop if d not in DROPS]
        if unknown:
            raise UserError(f"Unknown --drop {unknown[0]!r}; choose from {', '.join(DROPS)}.")
        if self.fill not in ("black", "mean"):
            try:
                value = float(self.fill)
            except ValueError:
                raise UserError(f"--fill must be black, mean or a number in [0, 1]; got {self.fill!r}.") from None
            if not 0.0 <= value <= 1.0:
                raise UserError(f"--fill must be black, mean or a number in [0, 1]; got {self.fill!r}.")
        if self.paper_compat:
            self.mask_per_batch = True
            if self.uses_saliency:
                if self.ratios not in (DEFAULT_RATIOS, PAPER_LEVELS):
                    raise UserError(
                        "--paper-compat salient / non-salient drop uses the original's attention-mass "
                        "levels 0.1..1.0; drop --ratios or run without --paper-compat."
                    )
                self.saliency = self.saliency.paper()
        if self.drop_mode == "tokens" and "random-offset" in self.drop:
            raise UserError("random-offset straddles patches, so it works with --drop-mode pixels only.")
        if self.drop_mode == "tokens" and self.saliency.rule == "mass" and self.uses_saliency:
            raise UserError("The mass rule drops a different number of patches per image; use --drop-mode pixels.")

    @property
    def uses_saliency(self) -> bool:
        return bool(set(self.drop) & set(SALIENCY_DROPS))
