"""Progress bars of the long loops, counted in what the user thinks in (images, grid points, Hessian-vector
products) rather than in batches: a 60-image run in one batch would otherwise show ``0/1`` until it ends. tqdm's
bar gives the rate and the time left (ETA) once the first unit is done."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Optional, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def bar(total: Optional[int], desc: str, unit: str, enabled: bool = True) -> tqdm:
    """A bar of ``total`` ``unit``s (shown at once, so a slow first step is not silence)."""
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, dynamic_ncols=True)


def counted(
    items: Iterable[T],
    total: Optional[int],
    size: Callable[[T], int],
    desc: str,
    unit: str = "img",
    enabled: bool = True,
) -> Iterator[T]:
    """Yield ``items`` (e.g. batches), ticking ``size(item)`` units on a bar once the caller has finished each."""
    b = bar(total, desc, unit, enabled)
    try:
        for item in items:
            yield item
            b.update(size(item))
    finally:
        b.close()
