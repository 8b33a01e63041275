"""Options of ``intriguing corruption`` (ImageNet-C style): the single home of their defaults."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from intriguing.corruptions import parse_corruptions, parse_severities
from intriguing.errors import UserError
from intriguing.options import option


@dataclass
class Config:
    corruptions: Tuple[str, ...] = option(("all",), "all | noise blur weather digital | corruption names "
                                                    "(space or comma separated)")
    severities: Tuple[str, ...] = option(("1-5",), "e.g. 1-5 or 1 3 5")
    corrupted_path: Optional[str] = option(None, "pre-rendered ImageNet-C (<c>/<s>/<class>/) or CIFAR-10-C "
                                                 "(<c>.npy, labels.npy) folder instead of corrupting on the fly")
    # filled from the common options
    limit: Optional[int] = None  # images per corrupted set (pre-rendered sets)
    runs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        self.corruptions = parse_corruptions(",".join(map(str, self.corruptions)))
        try:
            self.severities = parse_severities(",".join(map(str, self.severities)))
        except ValueError:  # 'high' or '1-x': not integers
            raise UserError(f"--severities must be integers 1-5 or ranges like 1-5; got {' '.join(map(str, self.severities))!r}.") from None
