"""Where the ``imagenet-x`` package keeps its annotation files, and which files are ImageNet val images."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Optional

from intriguing.errors import UserError

INSTALL = "pip install 'intriguing[factors]' (the PyPI package imagenet-x)"
# the val file names every annotation keys on; a re-encoded copy (.png) is still that image
_VAL = re.compile(r"ILSVRC2012_val_(\d{8})\.\w+")
N_VAL = 50000


def annotation_file(name: str, needed_by: str) -> Path:
    """``imagenet_x/annotations/<name>`` of the installed package (found without importing it: no pandas)."""
    spec = importlib.util.find_spec("imagenet_x")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{needed_by} needs the ImageNet annotations of the optional package imagenet-x: {INSTALL}.")
    path = Path(list(spec.submodule_search_locations)[0]) / "annotations" / name
    if not path.is_file():
        raise UserError(f"{needed_by} needs {path}, which the installed imagenet-x lacks; reinstall it: {INSTALL}.")
    return path


def val_number(path: str) -> Optional[int]:
    """The 1-based number of an ImageNet val image from its file name (any folder), None for any other file."""
    m = _VAL.fullmatch(os.path.basename(path))
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= N_VAL else None


def val_name(number: int) -> str:
    """The canonical file name of val image ``number`` (what the annotations key on)."""
    return f"ILSVRC2012_val_{number:08d}.JPEG"
