"""The papers' published numbers (``intriguing/published/<paper>.yaml``, package data), loaded against a schema.

Each entry is one table or figure of the paper (or a standard reference it compares against): its id, label
("Table 3"), kind, metric, unit, data, source, and its values, each with the paper's model (a role of
:mod:`.models`), the condition in the experiment's record columns, the value, and for a figure the reading's
uncertainty. An entry that was not transcribed has ``values: []`` and a note saying so; the report then says
"no published number transcribed" instead of comparing against anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Optional

from intriguing.errors import UserError

KINDS = ("table", "figure", "text", "reference")
ENTRY_KEYS = {"id", "label", "kind", "title", "metric", "unit", "data", "source", "quote", "note", "decimals", "values"}
VALUE_KEYS = {"model", "label", "condition", "value", "std", "decimals", "read_off", "uncertainty", "quote"}
REQUIRED = ("id", "label", "kind", "title", "metric", "unit", "data", "source", "values")


@dataclass(frozen=True)
class Value:
    """One published number."""

    model: str
    label: str
    condition: dict[str, Any]
    value: float
    decimals: Optional[int] = None
    std: Optional[float] = None
    read_off: bool = False
    uncertainty: Optional[float] = None

    @property
    def tolerance(self) -> float:
        """How far from the printed number the true one may lie: the reading's uncertainty, or half a printed unit."""
        if self.uncertainty is not None:
            return self.uncertainty
        return 0.5 * 10.0 ** -(self.decimals if self.decimals is not None else 2)


@dataclass(frozen=True)
class Entry:
    """One table or figure of a paper."""

    id: str
    label: str
    kind: str
    title: str
    metric: str
    unit: str
    data: str
    source: str
    values: tuple[Value, ...]
    note: str = ""
    quote: str = ""


@dataclass(frozen=True)
class Paper:
    key: str
    title: str
    authors: str
    venue: str
    arxiv: str
    entries: dict[str, Entry] = field(default_factory=dict)


def schema_errors(data: Any, roles: Optional[set] = None) -> list[str]:
    """Every way ``data`` (a parsed YAML file) breaks the schema, as sentences ([] when it is valid)."""
    from intriguing.reproduce.models import ROLES

    roles = set(ROLES) if roles is None else roles
    if not isinstance(data, dict):
        return ["the file is not a mapping"]
    errors = [
        f"missing top-level key {k!r}"
        for k in ("paper", "title", "authors", "venue", "arxiv", "entries")
        if k not in data
    ]
    entries = data.get("entries")
    if not isinstance(entries, list):
        return errors + ["'entries' is not a list"]
    seen = set()
    for i, e in enumerate(entries):
        where = f"entry {i} ({e.get('id', '?') if isinstance(e, dict) else '?'})"
        if not isinstance(e, dict):
            errors.append(f"{where} is not a mapping")
            continue
        errors += [f"{where}: missing {k!r}" for k in REQUIRED if k not in e]
        errors += [f"{where}: unknown key {k!r}" for k in sorted(set(e) - ENTRY_KEYS)]
        if e.get("id") in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(e.get("id"))
        if e.get("kind") not in KINDS:
            errors.append(f"{where}: kind {e.get('kind')!r} is not one of {', '.join(KINDS)}")
        values = e.get("values")
        if not isinstance(values, list):
            errors.append(f"{where}: 'values' is not a list")
            continue
        if not values and not str(e.get("note", "")).strip():
            errors.append(f"{where}: no values and no note saying why")
        for j, v in enumerate(values):
            errors += _value_errors(f"{where} value {j}", v, e, roles)
    return errors


def _value_errors(where: str, v: Any, entry: dict, roles: set) -> list[str]:
    if not isinstance(v, dict):
        return [f"{where} is not a mapping"]
    out = [f"{where}: missing {k!r}" for k in ("model", "label", "condition", "value") if k not in v]
    out += [f"{where}: unknown key {k!r}" for k in sorted(set(v) - VALUE_KEYS)]
    if "model" in v and v["model"] not in roles:
        out.append(f"{where}: model {v['model']!r} is not a role of intriguing/reproduce/models.py")
    if not isinstance(v.get("condition", {}), dict):
        out.append(f"{where}: condition is not a mapping")
    if "value" in v and not (isinstance(v["value"], (int, float)) and math.isfinite(v["value"])):
        out.append(f"{where}: value {v['value']!r} is not a finite number")
    if v.get("read_off") and not isinstance(v.get("uncertainty"), (int, float)):
        out.append(f"{where}: a value read off a figure needs its uncertainty")
    if entry.get("kind") == "figure" and not v.get("read_off"):
        out.append(f"{where}: a figure's value must be marked read_off")
    if not v.get("read_off") and "decimals" not in v and "decimals" not in entry:
        out.append(f"{where}: no decimals (the printed precision) for a value not read off a figure")
    return out


def raw(paper: str) -> dict:
    """The parsed YAML of ``paper`` (package data)."""
    import yaml

    path = resources.files("intriguing") / "published" / f"{paper}.yaml"
    if not path.is_file():
        raise UserError(f"No published numbers for {paper!r} (intriguing/published/{paper}.yaml is missing).")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load(paper: str) -> Paper:
    """``paper``'s published numbers; a file that breaks the schema is refused in one sentence."""
    data = raw(paper)
    errors = schema_errors(data)
    if errors:
        raise UserError(
            f"intriguing/published/{paper}.yaml breaks its schema: {errors[0]}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
            + "."
        )
    entries = {}
    for e in data["entries"]:
        values = tuple(
            Value(
                model=v["model"],
                label=str(v["label"]),
                condition=dict(v["condition"]),
                value=float(v["value"]),
                decimals=v.get("decimals", e.get("decimals")),
                std=v.get("std"),
                read_off=bool(v.get("read_off", False)),
                uncertainty=v.get("uncertainty"),
            )
            for v in e["values"]
        )
        entries[e["id"]] = Entry(
            id=e["id"],
            label=e["label"],
            kind=e["kind"],
            title=e["title"],
            metric=e["metric"],
            unit=e["unit"],
            data=e["data"],
            source=e["source"],
            values=values,
            note=str(e.get("note", "")).strip(),
            quote=str(e.get("quote", "")),
        )
    return Paper(
        key=data["paper"],
        title=data["title"],
        authors=data["authors"],
        venue=data["venue"],
        arxiv=str(data["arxiv"]),
        entries=entries,
    )
