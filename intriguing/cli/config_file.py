"""``--config FILE`` and ``--print-config``: a run as a shareable file, from the same declarations as the flags.

A config file is YAML (or a results folder's ``manifest.json``, whose ``config`` is read) mapping option names
(``data_path``, ``epochs``, ``model_kwargs``, ...) to values. Its values become the parser's defaults, so flags on
the command line still win. Keys the command has no option for are refused in one sentence; a manifest's config
also holds fields that are not options (filled by the command itself), which are passed over.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Optional

from intriguing.errors import UserError, did_you_mean


def split_config_flags(argv: list[str]) -> tuple[Optional[str], bool, list[str]]:
    """(config path, print-config?, the remaining arguments)."""
    path, show, rest, i = None, False, [], 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--config":
            if i + 1 >= len(argv):
                raise UserError("--config needs a file (a YAML recipe or a results folder's manifest.json).")
            path, i = argv[i + 1], i + 2
            continue
        if tok.startswith("--config="):
            path = tok.split("=", 1)[1]
        elif tok == "--print-config":
            show = True
        else:
            rest.append(tok)
        i += 1
    return path, show, rest


def read_config(path: str) -> tuple[dict[str, Any], bool]:
    """The file's option mapping, and whether it came from a manifest (non-option keys are then allowed)."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise UserError(f"Config file {path} does not exist.")
    try:
        data = yaml.safe_load(p.read_text())  # JSON is YAML too
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise UserError(f"Config file {path} is not valid YAML ({str(e).splitlines()[0]}).") from None
    manifest = isinstance(data, dict) and isinstance(data.get("config"), dict) and "analysis" in data
    if manifest:
        data = data["config"]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"Config file {path} must map option names to values (e.g. `epochs: 30`).")
    return data, manifest


def _convert(action: argparse.Action, key: str, value: Any, path: str) -> Any:
    """A YAML value as the flag would have parsed it (lists for multi-value options, the option's type)."""
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if not isinstance(value, bool):
            raise UserError(f"{key} in {path} is a switch: write true or false; got {value!r}.")
        return value
    many = action.nargs == "+"
    if many and isinstance(value, dict):  # model_kwargs: {patch_size: 8} -> ["patch_size=8"]
        value = [f"{k}={v}" for k, v in value.items()]
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in items:
        if v is not None and action.type is not None and not isinstance(v, bool):
            try:
                v = action.type(v) if not isinstance(v, action.type) else v
            except (TypeError, ValueError):
                raise UserError(f"{key} in {path} must be {action.type.__name__}; got {v!r}.") from None
        if action.choices is not None and v not in action.choices:
            raise UserError(f"{key} in {path} must be one of {', '.join(map(str, action.choices))}; got {v!r}.")
        out.append(v)
    return out if many else out[0]


def apply_config(parser: argparse.ArgumentParser, path: str, passed_over: frozenset = frozenset()) -> None:
    """Set the parser's defaults from the config file; unknown keys are one sentence."""
    data, manifest = read_config(path)
    actions = {a.dest: a for a in parser._actions if a.option_strings and a.dest != "help"}
    defaults = {}
    for key, value in data.items():
        key = str(key).replace("-", "_")
        if key not in actions:
            if manifest and key in passed_over:
                continue
            raise UserError(f"{path}: {parser.prog} has no option {key!r}.{did_you_mean(key, sorted(actions))}")
        defaults[key] = _convert(actions[key], key, value, path)
    parser.set_defaults(**defaults)


def dump_config(values: dict[str, Any]) -> str:
    """The effective options as YAML (what ``--config`` reads back)."""
    import yaml

    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    return yaml.safe_dump(plain, sort_keys=False, default_flow_style=None)
