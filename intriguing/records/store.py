"""``records.csv``: tidy rows appended whole, read back repaired and de-duplicated.

An append renders all its rows first and writes them in one call followed by fsync, so a crash or a full disk can
at worst leave one truncated last line; reading drops such a line (with one warning per file) and :func:`repair`
rewrites the file atomically with the whole rows only, before the next append.

A record's key is given by its experiment's :class:`~intriguing.records.schema.RecordSchema`: the key columns
(model, weights, the condition's fields, run, ...); two rows with the same key are the same measurement written
twice (e.g. by a second process), and only the first counts. A file or a row with a column the schema does not
declare is refused in one sentence (never keyed on a guess). Without a schema (a bare file read by a library call)
no column can be told to be a metric, so only identical rows are one record: two different records are never
merged.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Optional

from intriguing.records.schema import RecordSchema

log = logging.getLogger(__name__)

RECORDS = "records.csv"
_warned: dict[str, str] = {}  # file -> the damage reported in this process (one warning each)


def parse(v: str) -> Any:
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f


def atomic_write(path: Path, data: bytes) -> None:
    """Write a sibling temporary file, fsync it, rename it over ``path``: readers see the old or the new file,
    never a mix; a failed write (full disk) removes the temporary file and leaves ``path`` as it was."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _scan(path: Path, schema: Optional[RecordSchema] = None) -> tuple[list[str], list[dict], str]:
    """(header, whole rows of distinct keys as strings, what had to be dropped: '' when nothing); the key is
    ``schema``'s key columns (every column without a schema), a column it does not declare is refused."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    if not lines:
        return [], [], ""
    header = next(csv.reader([lines[0]]))
    if schema is not None:
        schema.check_header(header, path)
    key_at = [i for i, c in enumerate(header) if schema is None or schema.is_key(c)]
    rows, seen, cut, bad, repeated = [], set(), 0, 0, 0
    body = lines[1:]
    if body and not body[-1].endswith("\n"):  # an append cut short
        body, cut = body[:-1], 1
    for fields in csv.reader(body):
        if len(fields) != len(header):
            bad += 1
            continue
        key = tuple(fields[i] for i in key_at)
        if key in seen:
            repeated += 1
            continue
        seen.add(key)
        rows.append(dict(zip(header, fields)))
    what = [
        f"{k} {w}"
        for k, w in (
            (cut, "truncated last row"),
            (bad, "malformed row(s)"),
            (repeated, "repeated record(s) (same model, weights, condition and run; the first is kept)"),
        )
        if k
    ]
    return header, rows, ", ".join(what)


def read(path: str | Path, schema: Optional[RecordSchema] = None) -> list[dict]:
    """The whole rows of a records file, one per record key of ``schema`` (values parsed to numbers where they are
    numbers); without a schema, one per distinct row."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORDS
    if not path.is_file():
        return []
    _, rows, damage = _scan(path, schema)
    _warn(path, damage)
    return [{k: parse(v) for k, v in r.items()} for r in rows]


def repair(path: Path, schema: Optional[RecordSchema] = None) -> None:
    """Rewrite ``path`` (atomically) with its whole rows, one per record key, when it holds anything else."""
    if not path.is_file():
        return
    header, rows, damage = _scan(path, schema)
    if damage:
        _warn(path, damage)
        atomic_write(path, render(header, rows, with_header=True).encode())
        _warned.pop(str(path), None)


def _warn(path: Path, damage: str) -> None:
    if damage and _warned.get(str(path)) != damage:  # read with and without a schema: each account once
        _warned[str(path)] = damage
        log.warning(
            f"{path} holds {damage}; only whole rows, one per record, are used (the file is repaired "
            f"before the next append)."
        )


def render(header: list[str], rows: Iterable[dict], with_header: bool) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, restval="", lineterminator="\n")
    if with_header:
        w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def append(path: Path, rows: list[dict], schema: Optional[RecordSchema] = None) -> None:
    """Append ``rows``; a new column rewrites the file (atomically) with the union header. With ``schema``, rows
    with an undeclared column or a value of another type are refused before anything is written."""
    if schema is not None:
        schema.check_rows(rows)
    repair(path, schema)
    existing_header: list[str] = []
    if path.is_file():
        with open(path, newline="") as f:
            existing_header = next(csv.reader(f), [])
    header = list(existing_header)
    for r in rows:
        header += [k for k in r if k not in header]
    if existing_header and header != existing_header:
        _, old, _ = _scan(path, schema)
        atomic_write(path, render(header, old + [{k: str(v) for k, v in r.items()} for r in rows], True).encode())
        return
    data = render(header, rows, with_header=not existing_header).encode()
    with open(path, "ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
