"""Per-image outcomes (``--per-image``): ``per_image.csv.gz``, one row per (image, model, weights, condition).

Columns: image (global index), path (relative to the data root), label, model, weights, the condition's fields,
correct1, correct5, pred (top-1 class), conf (max softmax). The decompressed file is one CSV with one header line
(``pandas.read_csv``, ``zcat | csvkit`` read it as is): the first append writes the header, later appends only rows
in its columns; rows with a column the file does not have rewrite it once with the union header. Each append is one
complete gzip member (gzip readers concatenate members) written in one call and fsynced, so appends are safe: an
append cut short (a crash, a full disk) leaves at worst a truncated last member, which reading ignores and
:func:`repair` cuts off before the next append (otherwise every later member would be unreadable behind it).
Reading keeps the first row of every key (all columns but the outcomes: image, model, weights, condition fields,
run), so a batch written twice around an interruption, or by two processes, is never counted twice. Files of
older versions, with a header in every member, read the same.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

FILE = "per_image.csv.gz"
IMAGE = ("image", "path", "label")  # which image a row is about
OUTCOMES = ("correct1", "correct5", "pred", "conf")  # what the model did on it; every other column is the record's key
HEADER_START = "image,"  # every row starts with the image's index (a number): a line starting so is a header
_checked: dict[str, int] = {}  # file -> size known to end in a whole member (spares a full scan per append)
_columns: dict[str, list[str]] = {}  # file -> its header (read once)


def append(path: Path, rows: Sequence[dict]) -> None:
    """Append ``rows`` as one gzip member in the file's columns (the header is written by the first append only);
    rows with a new column rewrite the file once, atomically, with the union of the columns."""
    repair(path)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    header = _header(path)
    if header is not None and not set(columns) <= set(header):
        _rewrite(path, list(dict.fromkeys(header + columns)))
        header = _header(path)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header or columns, restval="", lineterminator="\n")
    if header is None:
        w.writeheader()
    w.writerows(rows)
    with open(path, "ab") as f:
        f.write(gzip.compress(buf.getvalue().encode(), compresslevel=6))
        f.flush()
        os.fsync(f.fileno())
        _checked[str(path)] = f.tell()
    _columns[str(path)] = header or columns


def _header(path: Path) -> Optional[list[str]]:
    """The columns of ``path`` (its header line), None when it has no whole member yet. A file of an older version
    (a header in every member) is rewritten once with one header."""
    if not path.is_file() or path.stat().st_size == 0:
        _columns.pop(str(path), None)
        return None
    if str(path) not in _columns:
        blocks, _ = _members(path.read_bytes())
        headers = [next(csv.reader([b.split("\n", 1)[0]])) for b in blocks if b.startswith(HEADER_START)]
        if len(headers) > 1:
            _rewrite(path, list(dict.fromkeys(c for h in headers for c in h)))
        _columns[str(path)] = headers[0] if len(headers) == 1 else _header_line(path)
    return _columns[str(path)]


def _header_line(path: Path) -> list[str]:
    with gzip.open(path, "rt", newline="") as f:
        return next(csv.reader([f.readline()]), [])


def _rewrite(path: Path, header: list[str]) -> None:
    """Write every row of ``path`` again under ``header`` (one header line), atomically."""
    rows = read(path.parent, path.name)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, restval="", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(gzip.compress(buf.getvalue().encode(), compresslevel=6))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _columns.pop(str(path), None)
    _checked[str(path)] = path.stat().st_size


def _members(data: bytes) -> tuple[list[str], int]:
    """(each whole gzip member's text, the byte length of the whole members); every member is one append, and a
    truncated or damaged member (an interrupted append) ends the whole part."""
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
        log.warning(
            f"{path} ended in an incomplete append ({len(data) - whole} bytes); it is cut off, the "
            f"rows before it are kept."
        )
        os.truncate(path, whole)
    _checked[str(path)] = whole
    _columns.pop(str(path), None)  # read again: the file may be another one now


def read(folder: str | Path, name: str = FILE) -> list[dict[str, str]]:
    """Every row (values as strings), de-duplicated on all non-outcome columns; [] when there is no file."""
    path = Path(folder) / name
    if not path.is_file():
        return []
    data = path.read_bytes()
    blocks, whole = _members(data)
    if whole < len(data):
        log.warning(f"{path} ends in an incomplete append; the rows before it are used.")
    rows, seen, header = [], set(), None
    for block in blocks:
        if block.startswith(HEADER_START) or header is None:  # a member of an older version has its own header
            reader = csv.DictReader(io.StringIO(block))
        else:
            reader = csv.DictReader(io.StringIO(block), fieldnames=header)
        for r in reader:
            key = tuple((k, v) for k, v in r.items() if k not in OUTCOMES)
            if key not in seen:
                seen.add(key)
                rows.append(r)
        header = list(reader.fieldnames or header or [])
    return rows
