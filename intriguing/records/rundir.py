"""A run's output folder: records CSV, manifest.json, partial state for resuming, per-image outcomes.

Records are tidy: one row per (model, weights, condition, run) with metric columns. Rows are appended whole and
fsynced as soon as they exist (:mod:`.store`); the pass's running totals are checkpointed (:mod:`.partial`, never
pickled) so an interrupted run resumes where it stopped; one run at a time holds the folder (:mod:`.lock`).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import subprocess
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Optional

import torch

from intriguing.errors import UserError
from intriguing.records import partial, per_image, store
from intriguing.records.lock import FolderLock, command_line
from intriguing.records.schema import RecordSchema
from intriguing.records.store import RECORDS

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
PARTIAL = "partial.json"
# what a run writes into its folder, and so what --overwrite removes; nothing else is touched. The pass state and
# the files named here are removed always; plots (*.png) and the paper_compat JSON only from a folder that holds a
# manifest or records (a results folder), so a user's pictures in a folder chosen as --out-dir never go.
RUN_FILES = (
    RECORDS,
    MANIFEST,
    per_image.FILE,
    "summary.md",
    "summary.tex",
    "per_class.csv",
    "summary.csv",
    "mce.csv",
    "corruption_errors.csv",
    "pictures.npz",
    RECORDS + ".tmp",
    MANIFEST + ".tmp",
)
STATE_PATTERNS = ("partial*.json", "partial*.npz", "partial*.tmp", partial.LEGACY, "failures/*.txt")
FAILURES = "failures"  # failures/<model>.txt: the traceback of each model that failed in the last run
PLOT_PATTERNS = ("*.png", "paper_compat/*.json", "paper_compat/dino/*.json")
PARTIAL_GLOB = "partial*.json"
# configuration keys that never change results: not part of what a folder's records or pass state must match
VOLATILE = ("models", "out_dir", "workers", "device", "batch_size", "progress")


def read_records(path: str | Path, schema: Optional[RecordSchema] = None) -> list[dict]:
    """The whole rows of ``records.csv`` in a folder (or at a path), one per record of ``schema``: the one given,
    else the one the folder's ``manifest.json`` keeps (``record_schema``, written by every run), else one per
    distinct row."""
    return store.read(path, schema or folder_schema(path))


def folder_schema(path: str | Path) -> Optional[RecordSchema]:
    """The record schema a results folder's manifest keeps (None: no manifest, or one from before it was kept)."""
    path = Path(path)
    saved = read_manifest(path if path.is_dir() else path.parent).get("record_schema")
    try:
        return RecordSchema.from_json(saved) if saved else None
    except (KeyError, TypeError, AttributeError, ValueError):  # edited by hand: read by distinct rows, as before
        return None


def read_manifest(out_dir: str | Path) -> dict:
    """A folder's manifest.json as a dict ({} when it is absent or unreadable)."""
    p = Path(out_dir) / MANIFEST
    try:
        return json.loads(p.read_text()) if p.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def git_commit() -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "HEAD"],
                cwd=Path(__file__).resolve().parent,
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
            or "unknown"
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    import numpy
    import timm
    import torchvision

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "timm": timm.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
    }


def _safe(label: str) -> str:
    """A model label as a file name (``vit_small_patch16_224=/w/a.pth`` -> ``vit_small_patch16_224_w_a.pth``)."""
    return re.sub(r"[^\w.-]+", "_", label).strip("_") or "model"


class RunDir:
    """Owns ``out_dir`` for one run: locks it, refuses to mix in results of another configuration, appends records.

    A folder without records accepts any configuration (a failed or mistyped run never locks it); one with records
    refuses another configuration in one sentence naming each key that differs, unless ``overwrite``. ``follower``
    (torchrun ranks other than 0) reads the folder but never writes records or the manifest, and takes no lock.
    An interrupted pass's state carries :attr:`pass_identity` (the configuration's identity keys and ``data``, what
    the data set is); a run whose identity differs refuses the folder in one sentence instead of continuing it.
    """

    def __init__(
        self,
        out_dir: str | Path,
        config: dict[str, Any],
        identity: Sequence[str] = (),
        overwrite: bool = False,
        follower: bool = False,
        data: Optional[dict[str, Any]] = None,
        schema: Optional[RecordSchema] = None,
        rank: int = 0,
    ) -> None:
        self.path = Path(out_dir)
        self.config, self.follower, self.schema, self.rank = config, follower, schema, rank
        self.kept: list[str] = []  # the models whose failure this process kept (and logged) in this run
        keys = identity or [k for k in config if k not in VOLATILE]
        self.pass_identity: dict[str, Any] = json.loads(
            json.dumps({"config": {k: config.get(k) for k in keys}, "data": data or {}}, default=str)
        )
        self.lock = FolderLock(self.path)
        if follower:
            self.manifest = read_manifest(self.path)
            return
        _make_folder(self.path)
        self.lock.acquire()
        try:
            self._open(config, identity, overwrite)
        except BaseException:
            self.lock.release()
            raise

    def _open(self, config: dict[str, Any], identity: Sequence[str], overwrite: bool) -> None:
        if overwrite:
            self._remove_run_files()
        old = self._read_manifest()
        if store.read(self.path / RECORDS):  # any rows: records of another command are refused by their config
            if old is None:
                raise UserError(
                    f"{self.path} holds records but its {MANIFEST} is missing or unreadable, so their "
                    f"configuration cannot be checked; rerun with --overwrite to start fresh, or choose "
                    f"another --out-dir."
                )
            keys = identity or [k for k in config if k not in VOLATILE]
            new = json.loads(json.dumps({k: config.get(k) for k in keys}, default=str))
            diff = [
                f"{k} {old.get('config', {}).get(k)!r} -> {new[k]!r}"
                for k in keys
                if old.get("config", {}).get(k) != new[k]
            ]
            if diff:
                raise UserError(
                    f"{self.path} holds results of another configuration ({'; '.join(diff)}); rerun with "
                    f"--overwrite to replace them, or choose another --out-dir."
                )
        self._check_pass_states()
        self.manifest: dict[str, Any] = {
            "config": config,
            "versions": versions(),
            "git_commit": git_commit(),
            "seed": config.get("seed"),
            "command": command_line(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "status": "running",
            "skipped_images": [],
            "failed_models": {},
            "models": {},
        }
        if self.schema is not None:  # read_records(folder) keys the rows by it
            self.manifest["record_schema"] = self.schema.to_json()
        for p in self.path.glob(f"{FAILURES}/*.txt"):  # the manifest below names this run's failures only
            p.unlink()
        if old and store.read(self.path / RECORDS):  # a resume keeps what the earlier attempt learned
            self.manifest["skipped_images"] = old.get("skipped_images", [])
            self.manifest["models"] = old.get("models", {})
            self.manifest["resumed_from"] = old.get("started")
        self.write_manifest()

    def _check_pass_states(self) -> None:
        """Refuse an interrupted pass of another configuration or on other data (continuing it would mix its
        counts into this run's); a state saved without an identity (older versions) is dropped with a warning."""
        for path in sorted(self.path.glob(PARTIAL_GLOB)):
            try:
                saved = partial.identity(path)
            except ValueError:  # unreadable (json.JSONDecodeError too): the engine's load says so and starts over
                continue
            if saved is None:
                log.warning(
                    f"{path} does not say which configuration it belongs to (an older version wrote it); "
                    f"it is not resumed, the pass starts from the beginning."
                )
                partial.clear(self.path, path.name[: -len(".json")])
                continue
            old, new = saved if isinstance(saved, dict) else {}, self.pass_identity
            diff = _diff(old.get("config") or {}, new["config"]) or _diff(old.get("data") or {}, new["data"])
            if diff:
                raise UserError(
                    f"{self.path} holds an interrupted pass of another configuration or data "
                    f"({'; '.join(diff)}); rerun the command that started it to resume it, rerun with "
                    f"--overwrite to discard it, or choose another --out-dir."
                )

    def _remove_run_files(self) -> None:
        ours = (self.path / MANIFEST).is_file() or (self.path / RECORDS).is_file()
        for pattern in STATE_PATTERNS + (PLOT_PATTERNS if ours else ()):
            for p in self.path.glob(pattern):
                p.unlink()
        for name in RUN_FILES:
            (self.path / name).unlink(missing_ok=True)

    def keep_failure(self, label: str, error: BaseException) -> None:
        """Keep the traceback of a model that failed as ``failures/<model>.txt``, named in the manifest's
        ``failure_tracebacks`` (the one-line reason goes to ``failed_models``). A follower (torchrun rank r > 0)
        keeps its own as ``failures/<model>.rank<r>.txt``, which rank 0 names (:meth:`name_rank_failures`)."""
        self.kept.append(label)
        name = f"{FAILURES}/{_safe(label)}" + (f".rank{self.rank}.txt" if self.follower else ".txt")
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))

        def save() -> None:
            (self.path / FAILURES).mkdir(exist_ok=True)
            with open(self.path / name, "a") as f:  # a failure re-raised by the caller adds its own traceback
                f.write(text)

        _write(save, self.path)
        if not self.follower:
            self.write_manifest(failure_tracebacks={**self.manifest.get("failure_tracebacks", {}), label: name})

    def name_rank_failures(self, labels: Sequence[str]) -> None:
        """On rank 0, once every rank has finished: name in the manifest the tracebacks other ranks kept for the
        failed ``labels`` that rank 0 kept none of (the lowest rank's file; every rank's stays in failures/)."""
        named = dict(self.manifest.get("failure_tracebacks", {}))
        for label in (x for x in labels if x not in named):
            pattern = re.compile(rf"{re.escape(_safe(label))}\.rank(\d+)\.txt")
            ranks = sorted(
                (int(m.group(1)), p.name)
                for p in self.path.glob(f"{FAILURES}/*.txt")
                if (m := pattern.fullmatch(p.name))
            )
            if ranks:
                named[label] = f"{FAILURES}/{ranks[0][1]}"
        if named != self.manifest.get("failure_tracebacks", {}):
            self.write_manifest(failure_tracebacks=named)

    def close(self) -> None:
        """Release the folder (the OS does it too when the process ends)."""
        self.lock.release()

    def _read_manifest(self) -> Optional[dict]:
        p = self.path / MANIFEST
        try:
            return json.loads(p.read_text()) if p.is_file() else None
        except (OSError, json.JSONDecodeError):
            return None

    def write_manifest(self, **updates: Any) -> None:
        self.manifest.update(updates)
        if not self.follower:
            _write(
                lambda: store.atomic_write(
                    self.path / MANIFEST, json.dumps(self.manifest, indent=2, default=str).encode()
                ),
                self.path,
            )

    # records
    def records(self) -> list[dict]:
        return store.read(self.path / RECORDS, self.schema)

    def append_records(self, rows: Iterable[dict]) -> None:
        """Append whole rows (flushed and fsynced); a new column rewrites the file with the union header."""
        rows = list(rows)
        if rows and not self.follower:
            _write(lambda: store.append(self.path / RECORDS, rows, self.schema), self.path)

    def append_per_image(self, rows: list[dict]) -> None:
        """Append per-image outcome rows to ``per_image.csv.gz``: one complete gzip member per call, so an
        interrupted append never damages what was written before (readers de-duplicate)."""
        if rows and not self.follower:
            _write(lambda: per_image.append(self.path / per_image.FILE, rows), self.path)

    # partial pass state
    def save_partial(self, state: Any, prefix: str = "partial") -> None:
        """Checkpoint a pass state (nested dicts / lists / numbers / tensors; never pickled). A torchrun follower
        writes only its own rank's state (``partial.rankN``), never the shared one."""
        if not (self.follower and prefix == "partial"):
            partial.save(self.path, prefix, state, self.pass_identity)

    def load_partial(self, prefix: str = "partial") -> Optional[Any]:
        return partial.load(self.path, prefix)

    def clear_partial(self, prefix: str = "partial") -> None:
        if not (self.follower and prefix == "partial"):
            partial.clear(self.path, prefix)


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``key old -> new`` for every key whose value differs (a key missing on one side reads as None)."""
    return [f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k)]


def _make_folder(path: Path) -> None:
    """Create the results folder, or say in one sentence why it cannot be used (before anything runs)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"--out-dir {path} is a file (or under one), not a folder; choose another --out-dir.") from None
    except OSError as e:
        raise UserError(f"Cannot create the results folder {path} ({e.strerror}); choose another --out-dir.") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(f"The results folder {path} is not writable; choose another --out-dir.")


def _write(action: Callable[[], None], folder: Path) -> None:
    """Run a write; a failing disk (full, read-only, gone) is one sentence, and what was written stays whole."""
    try:
        action()
    except OSError as e:
        raise UserError(
            f"Could not write to {folder} ({e.strerror or e}); the results written before are intact "
            f"— free space or fix the folder and rerun the same command to resume."
        ) from None
