"""A run's output folder: records CSV, manifest.json, partial state for resuming, summary tables.

Records are tidy: one row per (model, condition, parameter, run) with metric columns. Rows are
appended and flushed as soon as they exist; the pass's running totals are checkpointed to
``partial.pt`` so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import csv
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import torch

from intriguing.errors import UserError
from intriguing.records import partial, per_image

RECORDS = "records.csv"
MANIFEST = "manifest.json"
PARTIAL = "partial.json"


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _parse(v: str) -> Any:
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f


def read_records(path: str | Path) -> List[dict]:
    path = Path(path)
    if path.is_dir():
        path = path / RECORDS
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(f)]


def read_manifest(out_dir: str | Path) -> dict:
    """A folder's manifest.json as a dict ({} when it is absent or unreadable)."""
    p = Path(out_dir) / MANIFEST
    try:
        return json.loads(p.read_text()) if p.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                              capture_output=True, text=True, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> Dict[str, str]:
    import numpy
    import timm
    import torchvision
    return {"python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__,
            "timm": timm.__version__, "numpy": numpy.__version__, "platform": platform.platform()}


class RunDir:
    """Owns ``out_dir``; refuses to mix results of a different configuration into it."""

    def __init__(self, out_dir: str | Path, config: Dict[str, Any], identity: Sequence[str] = ()) -> None:
        self.path = Path(out_dir)
        self.path.mkdir(parents=True, exist_ok=True)
        self.config = config
        old = self._read_manifest()
        if old:
            keys = identity or [k for k in config if k not in ("models", "out_dir", "workers", "device",
                                                              "batch_size", "progress")]
            diff = [k for k in keys if old.get("config", {}).get(k) != json.loads(json.dumps(config.get(k)))]
            if diff:
                raise UserError(f"{self.path} holds results of a different configuration ({', '.join(diff)} "
                                f"differ); choose another --out-dir or delete that folder.")
        self.manifest: Dict[str, Any] = {
            "config": config, "versions": versions(), "git_commit": git_commit(), "seed": config.get("seed"),
            "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "status": "running",
            "skipped_images": [], "failed_models": {}, "models": {},
        }
        if old:  # a resume keeps what the earlier attempt learned
            self.manifest["skipped_images"] = old.get("skipped_images", [])
            self.manifest["models"] = old.get("models", {})
            self.manifest["resumed_from"] = old.get("started")
        self.write_manifest()

    def _read_manifest(self) -> Optional[dict]:
        p = self.path / MANIFEST
        try:
            return json.loads(p.read_text()) if p.is_file() else None
        except json.JSONDecodeError:
            return None

    def write_manifest(self, **updates: Any) -> None:
        self.manifest.update(updates)
        _atomic_write(self.path / MANIFEST, json.dumps(self.manifest, indent=2, default=str).encode())

    # records
    def records(self) -> List[dict]:
        return read_records(self.path / RECORDS)

    def append_records(self, rows: Iterable[dict]) -> None:
        """Append rows (flushed to disk); a new column rewrites the file with the union header."""
        rows = list(rows)
        if not rows:
            return
        path = self.path / RECORDS
        existing = self.records()
        header = list(existing[0].keys()) if existing else []
        for r in rows:
            header += [k for k in r if k not in header]
        if existing and header != list(existing[0].keys()):
            self._rewrite(existing + rows, header)
            return
        new = not path.is_file()
        with open(path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header, restval="")
            if new:
                w.writeheader()
            w.writerows(rows)
            f.flush()
            os.fsync(f.fileno())

    def append_per_image(self, rows: List[dict]) -> None:
        """Append per-image outcome rows to ``per_image.csv.gz``: one complete gzip member per call, so an
        interrupted append never damages what was written before (readers de-duplicate)."""
        if rows:
            per_image.append(self.path / per_image.FILE, rows)

    def _rewrite(self, rows: List[dict], header: List[str]) -> None:
        from io import StringIO
        buf = StringIO()
        w = csv.DictWriter(buf, fieldnames=header, restval="")
        w.writeheader()
        w.writerows(rows)
        _atomic_write(self.path / RECORDS, buf.getvalue().encode())

    # partial pass state
    def save_partial(self, state: Any, prefix: str = "partial") -> None:
        """Checkpoint a pass state (nested dicts / lists / numbers / tensors; never pickled)."""
        partial.save(self.path, prefix, state)

    def load_partial(self, prefix: str = "partial") -> Optional[Any]:
        return partial.load(self.path, prefix)

    def clear_partial(self, prefix: str = "partial") -> None:
        partial.clear(self.path, prefix)

