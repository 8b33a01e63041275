"""Options of ``intriguing corruption`` (ImageNet-C style): the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from intriguing.corruptions import parse_corruptions, parse_severities
from intriguing.errors import UserError
from intriguing.options import option


@dataclass
class Config:
    corruptions: tuple[str, ...] = option(
        ("all",), "all | noise blur weather digital | corruption names (space or comma separated)"
    )
    severities: tuple[str, ...] = option(("1-5",), "e.g. 1-5 or 1 3 5")
    corrupted_path: Optional[str] = option(
        None,
        "pre-rendered ImageNet-C (<c>/<s>/<class>/) or CIFAR-10-C "
        "(<c>.npy, labels.npy) folder instead of corrupting on the fly",
    )
    # filled from the common options
    limit: Optional[int] = None  # images per corrupted set (pre-rendered sets)
    runs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        items = [s.strip() for item in self.corruptions for s in str(item).split(",") if s.strip()]
        if not items:
            raise UserError("No corruptions selected; pass --corruptions all or a list of names.")
        self.corruptions = _once("--corruptions", [c for item in items for c in parse_corruptions(item)])
        try:
            parts = [s.strip() for item in self.severities for s in str(item).split(",") if s.strip()]
            self.severities = _once("--severities", [v for part in parts for v in parse_severities(part)])
        except ValueError:  # 'high' or '1-x': not integers
            raise UserError(
                f"--severities must be integers 1-5 or ranges like 1-5; got {' '.join(map(str, self.severities))!r}."
            ) from None
        if not self.severities:
            raise UserError("--severities needs at least one of 1-5.")


def _once(flag: str, values: list) -> tuple:
    """Groups and ranges expanded (``all noise``, ``1-5 3``): a corruption or severity named twice would be scored
    twice, so it is refused like a repeated value of any list option."""
    repeated = [v for i, v in enumerate(values) if v in values[:i]]
    if repeated:
        raise UserError(
            f"{flag} lists {repeated[0]} more than once (a group or range and a name overlap, or a name "
            f"is repeated); give each value once."
        )
    return tuple(values)
