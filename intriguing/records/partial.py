"""A pass state on disk, without pickle: ``<prefix>.json`` (the nested state, JSON) + ``<prefix>.npz`` (its tensors
and arrays, loaded with ``allow_pickle=False``); the prefix is ``partial`` (``partial.rankN`` under torchrun).

A file in a results folder is never executed: an old ``partial.pt`` (pickle) is ignored, and a truncated or
mismatched pair is reported and the pass starts over. The JSON also holds the identity of the run it belongs to
(configuration and data, :meth:`intriguing.records.RunDir.pass_identity`), which :func:`identity` reads alone so
that a run of another configuration or on other data refuses the folder instead of continuing that pass.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch

log = logging.getLogger(__name__)

LEGACY = "partial.pt"


def _split(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """JSON-able copy of ``obj`` with every tensor / array replaced by a reference into ``arrays``."""
    if isinstance(obj, dict):
        return {str(k): _split(v, arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_split(v, arrays) for v in obj]
    if isinstance(obj, torch.Tensor):
        name = f"a{len(arrays)}"
        t = obj.detach().cpu()
        arrays[name] = (t.float() if t.dtype == torch.bfloat16 else t).numpy()
        return {"__tensor__": name}
    if isinstance(obj, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = obj
        return {"__array__": name}
    return obj


def _join(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return torch.from_numpy(arrays[obj["__tensor__"]])
        if "__array__" in obj:
            return arrays[obj["__array__"]]
        return {k: _join(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join(v, arrays) for v in obj]
    return obj


def save(folder: Path, prefix: str, state: Any, identity: Any = None) -> None:
    """Write ``<prefix>.npz``, then the ``<prefix>.json`` naming it (the JSON is the commit point); both atomic.
    ``identity``: what run the state belongs to (JSON values), read back by :func:`identity`."""
    folder, arrays = Path(folder), {}
    tree = _split(state, arrays)
    token = secrets.token_hex(8)
    tmp = folder / f"{prefix}.npz.tmp"
    with open(tmp, "wb") as f:
        np.savez(f, __token__=np.frombuffer(token.encode(), dtype=np.uint8), **arrays)
    os.replace(tmp, folder / f"{prefix}.npz")
    tmp = folder / f"{prefix}.json.tmp"
    tmp.write_text(json.dumps({"token": token, "identity": identity, "state": tree}))
    os.replace(tmp, folder / f"{prefix}.json")


def load(folder: Path, prefix: str) -> Optional[Any]:
    """The saved state, or None when there is none or it cannot be trusted (then a warning and a fresh start)."""
    folder = Path(folder)
    if (folder / LEGACY).is_file():
        log.warning(
            f"ignoring {folder / LEGACY} (an older, pickle-based pass state is never loaded); "
            f"the pass starts from the beginning."
        )
        (folder / LEGACY).unlink()
    path = folder / f"{prefix}.json"
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
        with np.load(folder / f"{prefix}.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        if bytes(arrays.pop("__token__")).decode() != saved["token"]:
            raise ValueError(f"{prefix}.json and {prefix}.npz come from different checkpoints")
        return _join(saved["state"], arrays)
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError, EOFError) as e:
        log.warning(
            f"the saved pass state {path} is unreadable ({type(e).__name__}: {e}); the pass starts from the beginning."
        )
        clear(folder, prefix)
        return None


def identity(path: Path) -> Any:
    """The run identity saved in a pass state's JSON, None when it has none (older versions); raises ValueError
    when the file cannot be read (:func:`load` then reports it and the pass starts over)."""
    try:
        saved = json.loads(Path(path).read_text())
    except OSError as e:
        raise ValueError(str(e)) from None
    if not isinstance(saved, dict):
        raise ValueError(f"{path} holds no pass state")
    return saved.get("identity")


def clear(folder: Path, prefix: str) -> None:
    for suffix in (".json", ".npz", ".json.tmp", ".npz.tmp"):
        (Path(folder) / f"{prefix}{suffix}").unlink(missing_ok=True)
