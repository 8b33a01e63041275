"""Per-image outcomes (``--per-image``): ``per_image.csv.gz``, one row per (image, model, weights, condition).

Columns: image (global index), path (relative to the data root), label, model, weights, the condition's fields,
correct1, correct5, pred (top-1 class), conf (max softmax). Each append is one complete gzip member (gzip readers
concatenate members) written in one call and fsynced, so appends are safe: an append cut short (a crash, a full
disk) leaves at worst a truncated last member, which reading ignores and :func:`repair` cuts off before the next
append (otherwise every later member would be unreadable behind it). Reading keeps the first row of every key (all
columns but the outcomes: image, model, weights, condition fields, run), so a batch written twice around an
interruption, or by two processes, is never counted twice.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
import sys
import zlib
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

FILE = "per_image.csv.gz"
OUTCOMES = ("correct1", "correct5", "pred", "conf")
_checked: Dict[str, int] = {}  # file -> size known to end in a whole member (spares a full scan per append)


def append(path: Path, rows: Sequence[dict]) -> None:
    """Append ``rows`` as one gzip member (columns: the union of the rows' keys, in first-seen order)."""
    header = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, restval="", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    repair(path)
    with open(path, "ab") as f:
        f.write(gzip.compress(buf.getvalue().encode(), compresslevel=6))
        f.flush()
        os.fsync(f.fileno())
        _checked[str(path)] = f.tell()


def _members(data: bytes) -> Tuple[List[str], int]:
    """(each whole gzip member's text, the byte length of the whole members); every member is one append with its
    own header, and a truncated or damaged member (an interrupted append) ends the whole part."""
    out, whole = [], 0
    while whole < len(data):
        d = zlib.decompressobj(wbits=31)
        try:
            text = d.decompress(data[whole:])
        except zlib.error:
            break
        if not d.eof:
            break
        out.append(text.decode())
        whole = len(data) - len(d.unused_data)
    return out, whole


def repair(path: Path) -> None:
    """Cut a truncated last member off ``path`` (with a warning), so the next append is readable."""
    if not path.is_file() or _checked.get(str(path)) == path.stat().st_size:
        return
    data = path.read_bytes()
    _, whole = _members(data)
    if whole < len(data):
        print(f"warning: {path} ended in an incomplete append ({len(data) - whole} bytes); it is cut off, the "
              f"rows before it are kept.", file=sys.stderr)
        os.truncate(path, whole)
    _checked[str(path)] = whole


def read(folder: str | Path) -> List[Dict[str, str]]:
    """Every row (values as strings), de-duplicated on all non-outcome columns; [] when there is no file."""
    path = Path(folder) / FILE
    if not path.is_file():
        return []
    data = path.read_bytes()
    blocks, whole = _members(data)
    if whole < len(data):
        print(f"warning: {path} ends in an incomplete append; the rows before it are used.", file=sys.stderr)
    rows, seen = [], set()
    for block in blocks:
        for r in csv.DictReader(io.StringIO(block)):
            key = tuple((k, v) for k, v in r.items() if k not in OUTCOMES)
            if key not in seen:
                seen.add(key)
                rows.append(r)
    return rows
