"""A small name -> object registry whose lookups fail with a helpful message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from intriguing.errors import UserError, did_you_mean

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to objects; ``get`` on an unknown name suggests near matches and lists all."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, obj: T | None = None):
        """Register ``obj`` under ``name``; without ``obj`` acts as a decorator."""

        def _add(o: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = o
            return o

        return _add(obj) if obj is not None else _add

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UserError(
                f"Unknown {self.kind} {name!r}.{did_you_mean(name, self._items)} "
                f"Available: {', '.join(sorted(self._items))}."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def names(self) -> list[str]:
        return sorted(self._items)
