"""Conditions as data: what a sweep measures, one frozen dataclass per experiment.

An experiment declares its condition as a frozen dataclass deriving from :class:`Condition`, in its own
``conditions.py``; each field is typed (a grid is a :class:`~intriguing.perturb.grid.Grid`, a saliency level an
index) and is a column of the records unless declared otherwise:

* a plain field is a column, its value written as it is (a ``Grid`` as ``14x14``);
* :func:`internal` marks a field the sweep needs that is no column (an index into a list, a stacking group);
* :func:`optional` marks a column present only when the value is not None (e.g. ``source`` under ``--transfer``);
* :func:`blank` marks a column written empty when the value is None (e.g. the clean condition's noise frequency).

:meth:`Condition.fields` is that rendering: the record's condition columns, hence its key (with model, weights)
on resume; :meth:`Condition.columns` names every column a condition class can have, for a record schema.
The engine plans a sweep's conditions once per model and hands them to :meth:`~intriguing.engine.core.Sweep.evaluate`
one at a time; equal conditions are equal values (hashable), so a sweep may key its caches by them.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Union

from intriguing.perturb.grid import Grid

_ROLE = "record"  # dataclass field metadata key: how the field appears in the records


def internal(default: Any = dataclasses.MISSING) -> Any:
    """A field the sweep uses that is no record column (and no part of the record's key)."""
    return dataclasses.field(default=default, metadata={_ROLE: "internal"})


def optional(default: Any = None) -> Any:
    """A record column present only when its value is not None."""
    return dataclasses.field(default=default, metadata={_ROLE: "optional"})


def blank(default: Any = None) -> Any:
    """A record column written empty ("") when its value is None."""
    return dataclasses.field(default=default, metadata={_ROLE: "blank"})


@dataclasses.dataclass(frozen=True)
class Condition:
    """Base of every experiment's condition: a frozen (hashable) dataclass whose fields are record columns."""

    def fields(self) -> dict[str, Any]:
        """The record columns naming this condition (model and weights excluded), in declaration order: the values
        the records hold (a grid as ``HxW``)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            role, v = f.metadata.get(_ROLE), getattr(self, f.name)
            if role == "internal" or (role == "optional" and v is None):
                continue
            out[f.name] = "" if (role == "blank" and v is None) else str(v) if isinstance(v, Grid) else v
        return out

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """Every record column a condition of this class can have (the optional ones included)."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get(_ROLE) != "internal")

    @classmethod
    def column_types(cls) -> dict[str, type]:
        """:meth:`columns` with the type of their values in the records: ``int``, ``float`` or ``str`` (a grid is
        written as text; an optional field has its value's type)."""
        hints = typing.get_type_hints(cls)
        out: dict[str, type] = {}
        for name in cls.columns():
            t = hints[name]
            if typing.get_origin(t) is Union:  # Optional[X]
                t = next(a for a in typing.get_args(t) if a is not type(None))
            out[name] = str if t is Grid else t
        return out


__all__ = ["Condition", "Grid", "blank", "internal", "optional"]
