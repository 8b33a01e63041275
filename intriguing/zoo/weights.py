"""Where weights come from, in order: explicit path/URL, ``pretrained/``, cache, download.

Offline and not cached, every path ends in one sentence naming the file to fetch and where to put it.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import torch

from intriguing.errors import UserError

WEIGHT_SUFFIXES = (".pth", ".pt", ".bin", ".safetensors", ".pth.tar", ".th")


def pretrained_dir() -> Path:
    """``$INTRIGUING_WEIGHTS`` (``$INTRIGUING_PRETRAINED`` is still read), else ``pretrained/`` in the current
    directory (never a path inside the installed package)."""
    env = os.environ.get("INTRIGUING_WEIGHTS") or os.environ.get("INTRIGUING_PRETRAINED")
    return Path(env) if env else Path("pretrained")


def find_local(name: str, filename: Optional[str] = None) -> Optional[Path]:
    """A weights file for ``name`` in pretrained/ (``<filename>`` or ``<name>.<any weight suffix>``)."""
    root = pretrained_dir()
    candidates = [root / filename] if filename else []
    candidates += [root / f"{name}{s}" for s in WEIGHT_SUFFIXES]
    return next((p for p in candidates if p.is_file()), None)


def host_reachable(url: str, timeout: float = 3.0) -> bool:
    """Cheap DNS + TCP probe so an offline machine fails in milliseconds, not after a minute of retries."""
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    host = urlparse(url).hostname or url
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def offline_message(name: str, source: str, filename: str) -> str:
    return (
        f"Weights for {name!r} are not cached and {source} cannot be reached (offline?): download it and put "
        f"it at {pretrained_dir() / filename}, or pass --models {name}=PATH."
    )


def fetch_url(name: str, url: str) -> Path:
    """Return the cached copy of ``url`` (torch hub cache), downloading it when reachable."""
    filename = os.path.basename(urlparse(url).path)
    for cached in (pretrained_dir() / filename, Path(torch.hub.get_dir()) / "checkpoints" / filename):
        if cached.is_file():  # pretrained/ first: the place the offline message names
            return cached
    if not host_reachable(url):
        raise UserError(offline_message(name, url, filename))
    cached.parent.mkdir(parents=True, exist_ok=True)
    torch.hub.download_url_to_file(url, str(cached), progress=True)
    return cached


def first_paragraph(e: BaseException) -> str:
    """The explanation torch gives (its first paragraph, whole), without the traceback-like tail."""
    return str(e).strip().split("\n\n")[0].strip()


# Where releases nest their weights, in the order taken: the trained weights first (DeiT / MAE ``model``, timm
# ``state_dict``), then EMA copies, which some releases hold alone (the T2T-ViT authors' files are exactly
# ``{"state_dict_ema": ...}``), then DINO's full checkpoints, whose ``teacher`` is the network DINO evaluates.
WRAPPERS = ("model", "state_dict", "model_ema", "state_dict_ema", "teacher")


def unwrap(sd: object) -> object:
    """The state dict inside a release / training checkpoint: the first of :data:`WRAPPERS` that holds a dict,
    ``module.`` (DataParallel) prefixes removed, and for DINO's ``backbone.`` keys only the backbone (its
    projection head is not part of the network)."""
    found = next((k for k in WRAPPERS if isinstance(sd, dict) and isinstance(sd.get(k), dict)), None)
    sd = sd[found] if found else sd
    if not isinstance(sd, dict) or not sd:
        return sd
    if all(str(k).startswith("module.") for k in sd):
        sd = {k[len("module.") :]: v for k, v in sd.items()}
    if found == "teacher":  # DINO: only there, so a model of its own with a `backbone` module keeps its keys
        sd = {k[len("backbone.") :]: v for k, v in sd.items() if str(k).startswith("backbone.")} or sd
    return sd


def refused_object(e: BaseException) -> Optional[str]:
    """What torch's ``weights_only`` loader refused to load — the object's import path (``posix.system``), or "a
    Python object" when torch does not name it — or None when ``e`` is no such refusal. Torch's own text advises
    ``weights_only=False`` (running the file's code), which this toolkit never does, so it is never shown."""
    text = str(e)
    found = re.search(r"(?:Unsupported global: GLOBAL|unsupported GLOBAL)\s+([\w.]+)", text)
    if found:
        return found.group(1)
    return "a Python object" if "Weights only load failed" in text else None


def refuse_non_checkpoint(path: Path) -> None:
    """One sentence for a file that is no torch.save output at all (torch's own error is a bare ``KeyError``):
    torch.save writes a zip archive; older torch a pickle or, before 0.1.10, a tar archive."""
    with open(path, "rb") as f:
        head = f.read(512)
    if not (head.startswith(b"PK\x03\x04") or head.startswith(b"\x80") or head[257:262] == b"ustar"):
        raise UserError(
            f"Could not read checkpoint {path}: it is no torch.save file (neither a zip archive nor a "
            f"pickle; it begins with {head[:16]!r}); put the model's released weights file there."
        )


def load_state_dict(path: str | Path) -> dict:
    """Read a checkpoint file or URL into a flat state dict (the wrappers of :data:`WRAPPERS` and ``module.`` /
    DINO ``backbone.`` prefixes unwrapped); unreadable files are one clear error."""
    path_s = str(path)
    if path_s.startswith(("http://", "https://")):
        path = fetch_url(Path(urlparse(path_s).path).stem, path_s)
    path = Path(path)
    if not path.is_file():
        raise UserError(f"Checkpoint {path} does not exist.")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            sd = load_file(str(path))
        else:
            refuse_non_checkpoint(path)
            # training scripts (DINO's full checkpoints among them) store their argparse options beside the
            # weights; a Namespace only sets attributes, so it is allowed, and nothing else beyond torch's defaults
            with torch.serialization.safe_globals([argparse.Namespace]):
                sd = torch.load(path, map_location="cpu", weights_only=True)
    except UserError:
        raise
    except Exception as e:  # a pickled object (refused, never run), or a corrupt or truncated file
        refused = refused_object(e)
        if refused:
            raise UserError(
                f"Checkpoint {path} holds a Python object that is never loaded ({refused}; checkpoints "
                f"load with weights_only=True only): save the weights alone, "
                f"torch.save(model.state_dict(), path), and pass that file."
            ) from None
        raise UserError(f"Could not read checkpoint {path}: {type(e).__name__}: {first_paragraph(e)}") from None
    sd = unwrap(sd)
    if not isinstance(sd, dict) or not sd:
        raise UserError(f"Checkpoint {path} holds no state dict.")
    return sd


def load_into(model: torch.nn.Module, state_dict: dict, name: str, source: str) -> None:
    """``load_state_dict(strict=True)`` whose failure names the first mismatches in one sentence."""
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shape = [k for k in own if k in state_dict and tuple(own[k].shape) != tuple(state_dict[k].shape)]
    if missing or unexpected or shape:
        parts = []
        if shape:
            k = shape[0]
            parts.append(
                f"{len(shape)} shape mismatch(es), e.g. {k}: checkpoint "
                f"{tuple(state_dict[k].shape)} vs model {tuple(own[k].shape)}"
            )
        if missing:
            parts.append(f"{len(missing)} missing key(s), e.g. {missing[0]}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s), e.g. {unexpected[0]}")
        raise UserError(f"Checkpoint {source} does not fit model {name!r}: {'; '.join(parts)}.")
    model.load_state_dict(state_dict, strict=True)
