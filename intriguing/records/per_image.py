"""Per-image outcomes (``--per-image``): ``per_image.csv.gz``, one row per (image, model, weights, condition).

Columns: image (global index), path (relative to the data root), label, model, weights, the condition's fields,
correct1, correct5, pred (top-1 class), conf (max softmax). Each append is one complete gzip member (gzip readers
concatenate members), so appends are safe; reading keeps the first row of every key, so a batch written twice
around an interruption is never counted twice.
"""
from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path
from typing import Dict, List, Sequence

FILE = "per_image.csv.gz"
OUTCOMES = ("correct1", "correct5", "pred", "conf")


def append(path: Path, rows: Sequence[dict]) -> None:
    header = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, restval="")
    w.writeheader()
    w.writerows(rows)
    with open(path, "ab") as f:
        f.write(gzip.compress(buf.getvalue().encode()))


def _members(data: bytes) -> List[str]:
    """Each gzip member's text (every member is one append, with its own header); a truncated last member (an
    interrupted append) is dropped."""
    out = []
    while data:
        d = zlib.decompressobj(wbits=31)
        try:
            text = d.decompress(data)
        except zlib.error:
            break
        if not d.eof:
            break
        out.append(text.decode())
        data = d.unused_data
    return out


def read(folder: str | Path) -> List[Dict[str, str]]:
    """Every row (values as strings), de-duplicated on all non-outcome columns; [] when there is no file."""
    path = Path(folder) / FILE
    if not path.is_file():
        return []
    rows, seen = [], set()
    for block in _members(path.read_bytes()):
        for r in csv.DictReader(io.StringIO(block)):
            key = tuple((k, v) for k, v in r.items() if k not in OUTCOMES)
            if key not in seen:
                seen.add(key)
                rows.append(r)
    return rows
