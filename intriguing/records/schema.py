"""What a records file of one experiment holds: its key columns and its metric columns, with their types.

Every experiment declares one :class:`RecordSchema` (``intriguing/experiments/<pkg>/schema.py``). Key columns name
what was measured (model, weights, the condition's fields, run, and for commands writing several rows per
condition what each row is about: a block, a frequency, an image); metric columns hold what was measured, counted
or timed. Two rows with equal keys are one measurement written twice, and only the first counts
(:mod:`intriguing.records.store`); a column the schema does not declare is refused in one sentence, so a new
metric can never slip into the key and let two copies of one measurement both count. Any declared column may be
absent from a file (``--metrics calibration`` adds its columns, ``saliency`` exists only for saliency drops).

:class:`RecordIndex` answers the resume question "is (model, weights, condition) recorded?" with set lookups;
values compare across a CSV round trip (:func:`norm`: ``0.5`` equals ``"0.50"``, ``0`` equals ``0.0``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from intriguing.errors import UserError

# what a value of each column type may be: a float column takes ints too (``ratio`` 0 is 0.0), numpy scalars count
_KINDS = {int: numbers.Integral, float: numbers.Real, str: str}


def norm(v: object) -> str:
    """Compare record values across a CSV round trip (0 == 0.0, '0.1' == 0.1)."""
    try:
        return repr(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)


@dataclass(frozen=True)
class RecordSchema:
    """The columns of one experiment's records: ``keys`` identify a record, ``metrics`` are what it measured.

    ``command`` is the experiment's command name (it appears in messages). Both mappings are column -> type, in
    the order the columns are documented; a column is either a key or a metric, never both."""

    command: str
    keys: Mapping[str, type]
    metrics: Mapping[str, type] = field(default_factory=dict)

    def __post_init__(self) -> None:
        both = sorted(set(self.keys) & set(self.metrics))
        if both:
            raise ValueError(f"{self.command} record schema: {', '.join(both)} declared both key and metric")
        bad = [c for c, t in {**self.keys, **self.metrics}.items() if t not in _KINDS]
        if bad:
            raise ValueError(f"{self.command} record schema: {', '.join(bad)} not typed int, float or str")

    def to_json(self) -> dict[str, Any]:
        """The schema as ``manifest.json`` keeps it (``record_schema``), so a folder's records can be read by
        their keys without importing the command (:meth:`from_json`)."""
        return {
            "command": self.command,
            "keys": {c: t.__name__ for c, t in self.keys.items()},
            "metrics": {c: t.__name__ for c, t in self.metrics.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordSchema:
        types = {t.__name__: t for t in _KINDS}
        return cls(
            str(data["command"]),
            {c: types[t] for c, t in data["keys"].items()},
            {c: types[t] for c, t in data.get("metrics", {}).items()},
        )

    def is_key(self, column: str) -> bool:
        return column in self.keys

    def unknown(self, columns: Iterable[str]) -> list[str]:
        """The columns of ``columns`` this schema does not declare, in their order."""
        return [c for c in columns if c not in self.keys and c not in self.metrics]

    def check_header(self, header: Sequence[str], path: object) -> None:
        """Refuse (one sentence, :class:`~intriguing.errors.UserError`) a records file with an undeclared column:
        keying its rows on a guess could merge two records or count one twice."""
        unknown = self.unknown(header)
        if unknown:
            raise UserError(
                f"{path} has column(s) {', '.join(unknown)} that `intriguing {self.command}` records do "
                f"not have (keys: {', '.join(self.keys)}); it was written by another command or "
                f"version, or edited: move it aside or choose another folder."
            )

    def check_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Refuse rows about to be written with an undeclared column or a value of another type (a bug of the
        command writing them, so a ValueError with its traceback); a None or empty value is always allowed."""
        for row in rows:
            unknown = self.unknown(row)
            if unknown:
                raise ValueError(
                    f"a {self.command} record has column(s) {', '.join(unknown)} that its record "
                    f"schema does not declare (experiments/<pkg>/schema.py): {dict(row)}"
                )
            for c, v in row.items():
                t = self.keys.get(c) or self.metrics[c]
                if v is not None and v != "" and not isinstance(v, _KINDS[t]):
                    raise ValueError(
                        f"a {self.command} record's {c} is {v!r} ({type(v).__name__}), declared "
                        f"{t.__name__} in its record schema"
                    )


class RecordIndex:
    """Which (model, weights, condition) records exist, for resume: one set per distinct set of condition
    fields, built on its first lookup (one pass over the records), then every lookup is a set membership.

    A record matches a planned condition when model, weights and every field of the condition are equal after
    :func:`norm`; its other columns (metrics, per-row columns) play no part, as a record holds the condition
    whatever else it carries."""

    def __init__(self, records: Sequence[Mapping[str, Any]]) -> None:
        self.records = records
        self._sets: dict[tuple[tuple[str, ...], bool], set[tuple]] = {}

    def has(self, model: str, cond: Mapping[str, Any], weights: Optional[str] = None) -> bool:
        """Whether a record holds ``model`` under ``cond``; ``weights=None`` ignores the weights column."""
        names = tuple(sorted(cond))
        return self._key(model, weights, [norm(cond[k]) for k in names]) in self._set(names, weights is not None)

    def _set(self, names: tuple[str, ...], by_weights: bool) -> set[tuple]:
        got = self._sets.get((names, by_weights))
        if got is None:
            got = self._sets[(names, by_weights)] = {
                self._key(r.get("model"), r.get("weights", "") if by_weights else None, [norm(r.get(k)) for k in names])
                for r in self.records
            }
        return got

    @staticmethod
    def _key(model: Any, weights: Any, values: list[str]) -> tuple:
        return (str(model), None if weights is None else str(weights), *values)


__all__ = ["RecordIndex", "RecordSchema", "norm"]
