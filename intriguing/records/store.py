"""``records.csv``: tidy rows appended whole, read back repaired and de-duplicated.

An append renders all its rows first and writes them in one call followed by fsync, so a crash or a full disk can
at worst leave one truncated last line; reading drops such a line (with a warning) and :func:`repair` rewrites the
file atomically with the whole rows only. Identical rows (a second writer) are counted once.
"""
from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path
from typing import Any, Iterable, List, Tuple

RECORDS = "records.csv"


def parse(v: str) -> Any:
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f


def atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _scan(path: Path) -> Tuple[List[str], List[dict], bool]:
    """(header, whole rows as strings, whether something had to be dropped)."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    if not lines:
        return [], [], False
    header = next(csv.reader([lines[0]]))
    rows, damaged, seen = [], False, set()
    body = lines[1:]
    if body and not body[-1].endswith("\n"):  # an append cut short
        body, damaged = body[:-1], True
    for fields in csv.reader(body):
        if len(fields) != len(header):
            damaged = True
            continue
        key = tuple(fields)
        if key in seen:
            damaged = True
            continue
        seen.add(key)
        rows.append(dict(zip(header, fields)))
    return header, rows, damaged


def read(path: str | Path) -> List[dict]:
    """The whole, distinct rows of a records file (values parsed to numbers where they are numbers)."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORDS
    if not path.is_file():
        return []
    _, rows, damaged = _scan(path)
    if damaged:
        print(f"warning: {path} had a truncated or repeated row; only whole, distinct rows are used.",
              file=sys.stderr)
    return [{k: parse(v) for k, v in r.items()} for r in rows]


def repair(path: Path) -> None:
    """Rewrite ``path`` with its whole, distinct rows when it holds a damaged or repeated line."""
    if not path.is_file():
        return
    header, rows, damaged = _scan(path)
    if damaged:
        atomic_write(path, render(header, rows, with_header=True).encode())


def render(header: List[str], rows: Iterable[dict], with_header: bool) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, restval="", lineterminator="\n")
    if with_header:
        w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def append(path: Path, rows: List[dict]) -> None:
    """Append ``rows``; a new column rewrites the file (atomically) with the union header."""
    repair(path)
    existing_header: List[str] = []
    if path.is_file():
        with open(path, newline="") as f:
            existing_header = next(csv.reader(f), [])
    header = list(existing_header)
    for r in rows:
        header += [k for k in r if k not in header]
    if existing_header and header != existing_header:
        _, old, _ = _scan(path)
        atomic_write(path, render(header, old + [{k: str(v) for k, v in r.items()} for r in rows], True).encode())
        return
    data = render(header, rows, with_header=not existing_header).encode()
    with open(path, "ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
