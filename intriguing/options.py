"""Options declared once: config dataclasses whose fields become command-line flags.

A field made with :func:`option` carries its help text (and optional choices / flag name); its type
annotation decides the flag's parsing: ``bool`` is a switch, ``int`` / ``float`` / ``str`` take a value,
``Optional[T]`` may stay unset, ``Tuple[T, ...]`` takes one or more values, and a nested dataclass
contributes its own fields (flattened; names must be unique). The same dataclass is what
``intriguing.run(...)`` fills from keyword arguments, so the CLI and the library cannot drift apart.

Values are checked from the declarations by :func:`build` (the CLI and ``intriguing.run`` both go through it),
before any folder or model is touched: every number must be finite and lie in the field's ``within`` interval
(``"[0, 1]"``, ``"(0, inf)"``, ``"[1, inf)"``), and a list may not repeat a value (a repeated condition would be
scored twice; it is refused rather than silently merged, the same in every command).

Written by hand rather than with jsonargparse / tyro: those add a dependency and their own help and
error formats, while what we need (flat flags, one-sentence errors, refusing options that a command
does not take) is about a hundred lines on top of argparse.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from intriguing.errors import UserError, did_you_mean

_NONE = object()


def option(
    default: Any,
    help: str,
    *,
    choices: Optional[Sequence[Any]] = None,
    flag: Optional[str] = None,
    metavar: Optional[str] = None,
    cli: bool = True,
    within: Optional[str] = None,
) -> Any:
    """A config field that is also a command-line option (``--field-name`` unless ``flag`` says otherwise).

    ``within``: the interval a number (or each number of a list) must lie in, e.g. ``"(0, 1]"`` or ``"[1, inf)"``."""
    if within is not None:
        _interval(within)  # a malformed declaration fails where it is written
    meta = {"help": help, "choices": choices, "flag": flag, "metavar": metavar, "cli": cli, "within": within}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    if dataclasses.is_dataclass(default):
        return field(default_factory=lambda: dataclasses.replace(default), metadata=meta)
    return field(default=default, metadata=meta)


def _unwrap(tp: Any) -> tuple[Any, bool, bool]:
    """type annotation -> (element type, optional?, many?)."""
    optional = many = False
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional, tp, origin = True, args[0], typing.get_origin(args[0])
    if origin in (tuple, list, Sequence):
        many, tp = True, typing.get_args(tp)[0]
    if typing.get_origin(tp) is typing.Literal:
        tp = type(typing.get_args(tp)[0])
    return tp, optional, many


def _interval(text: str) -> tuple[float, float, bool, bool]:
    """'(0, 1]' -> (0.0, 1.0, low open?, high open?)."""
    lo, hi = (t.strip() for t in text[1:-1].split(","))
    if text[0] not in "[(" or text[-1] not in "])":
        raise ValueError(f"bad interval {text!r}")
    return float(lo), float(hi), text[0] == "(", text[-1] == ")"


def _range_words(text: str) -> str:
    """How an interval reads in a message: 'at least 1', 'positive', 'lie in [0, 1]'."""
    lo, hi, lo_open, _ = _interval(text)
    if math.isinf(hi) and not lo_open:
        return f"be at least {text[1:-1].split(',')[0].strip()}"
    if math.isinf(hi) and lo == 0:
        return "be positive"
    return f"lie in {text}"


def _inside(value: float, text: str) -> bool:
    lo, hi, lo_open, hi_open = _interval(text)
    return (value > lo if lo_open else value >= lo) and (value < hi if hi_open else value <= hi)


def flag_of(f: dataclasses.Field) -> str:
    """The option's flag as a user types it (``--ratios``, ``--probe-batch-size``, ``--no-random-start``)."""
    if f.metadata.get("flag"):
        return f.metadata["flag"]
    return ("--no-" if _default(f) is True else "--") + f.name.replace("_", "-")


def check_value(f: dataclasses.Field, tp: Any, value: Any) -> None:
    """One option's value against its declaration: finite numbers inside ``within``, no repeated list item."""
    if value is None or not f.metadata.get("cli", False):
        return
    el, _, many = _unwrap(tp)
    items = list(value) if many and isinstance(value, (list, tuple)) else [value]
    flag = flag_of(f)
    if el in (int, float):
        numbers = [v for v in items if isinstance(v, (int, float)) and not isinstance(v, bool)]
        bad = [v for v in numbers if not math.isfinite(v)]
        if bad:
            raise UserError(f"{flag} must be a finite number; got {bad if many else bad[0]}.")
        within = f.metadata.get("within")
        bad = [v for v in numbers if within and not _inside(v, within)]
        if bad:
            raise UserError(f"{flag} must {_range_words(within)}; got {bad if many else bad[0]}.")
    if many:
        repeated = [v for i, v in enumerate(items) if v in items[:i]]
        if repeated:
            raise UserError(
                f"{flag} lists {repeated[0]} more than once; give each value once (a repeated "
                f"condition would be run and counted twice)."
            )


def check_declared(obj: Any) -> None:
    """Check every option field of the config instance ``obj`` (nested configs too) against its declaration."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            check_declared(value)
        else:
            check_value(f, hints[f.name], value)


def changed(obj: Any, *names: str) -> list[str]:
    """The flags among the option fields ``names`` of ``obj`` whose value differs from the declared default
    (what a user set; for refusing options a mode ignores)."""
    fields = {f.name: f for f in dataclasses.fields(obj)}
    out = []
    for name in names:
        f, value = fields[name], getattr(obj, name)
        default = _default(f)
        if (tuple(value) if isinstance(value, list) else value) != default:
            out.append(flag_of(f))
    return out


def dest(f: dataclasses.Field) -> str:
    """The option's name in parsed values: its flag's (``--saliency-model`` -> saliency_model) or the field's."""
    flag = f.metadata.get("flag")
    return flag.lstrip("-").replace("-", "_") if flag else f.name


def fields_of(cls: type) -> Iterator[tuple[dataclasses.Field, Any]]:
    """(field, resolved type) of a config dataclass, nested dataclasses flattened."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from fields_of(tp)
        elif f.metadata.get("cli", False):
            yield f, tp


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory()  # type: ignore[misc]


def add_options(
    parser: argparse.ArgumentParser,
    cls: type,
    title: str,
    only: Optional[frozenset[str]] = None,
    defaults: Optional[dict[str, Any]] = None,
) -> None:
    """Add a flag per option field of ``cls`` (those in ``only``, if given) to ``parser``."""
    group = parser.add_argument_group(title)
    defaults = defaults or {}
    for f, tp in fields_of(cls):
        if only is not None and dest(f) not in only:
            continue
        el, optional, many = _unwrap(tp)
        meta = f.metadata
        flag = meta["flag"] or "--" + f.name.replace("_", "-")
        default = defaults.get(dest(f), _default(f))
        # argparse %-formats help texts ('%(default)s'): a literal '%' (e.g. '5/15/25%') must be doubled
        kw: dict[str, Any] = {"dest": dest(f), "help": meta["help"].replace("%", "%%"), "default": default}
        if el is bool and not many:
            kw["action"] = "store_false" if default else "store_true"
            if default:
                flag = "--no-" + f.name.replace("_", "-")
        else:
            kw["type"] = el
            if many:
                kw["nargs"] = "+"
                kw["default"] = list(default) if default is not None else None
            if meta["choices"]:
                kw["choices"] = list(meta["choices"])
            if meta["metavar"]:
                kw["metavar"] = meta["metavar"]
        group.add_argument(flag, **kw)


def build(cls: type, values: dict[str, Any]) -> Any:
    """Instantiate ``cls`` (nested dataclasses too) from a flat name -> value mapping; lists become tuples.

    Each value is checked against its declaration (:func:`check_value`) before the dataclass sees it, and again
    after its ``__post_init__`` normalised it (``2X2`` and ``2x2`` are one grid), so a bad number or a repeated
    condition is one sentence before any folder or model is touched."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            kwargs[f.name] = build(tp, values)
        elif dest(f) in values:
            v = values[dest(f)]
            kwargs[f.name] = tuple(v) if isinstance(v, list) else v
            check_value(f, tp, kwargs[f.name])
    obj = cls(**kwargs)
    check_declared(obj)
    return obj


def option_names(cls: type) -> frozenset[str]:
    return frozenset(dest(f) for f, _ in fields_of(cls))


def split_kwargs(kwargs: dict[str, Any], *classes: type) -> list:
    """Library calls: route each keyword to the dataclass that declares it; unknown keywords are one sentence."""
    names = [option_names(c) for c in classes]
    known = frozenset().union(*names)
    for k in kwargs:
        if k not in known:
            raise UserError(f"Unknown option {k!r}.{did_you_mean(k, sorted(known))}")
    return [{k: v for k, v in kwargs.items() if k in n} for n in names]


COMMON_ALL = frozenset(
    [
        "models",
        "data_path",
        "limit",
        "batch_size",
        "workers",
        "device",
        "precision",
        "seed",
        "runs",
        "out_dir",
        "metrics",
        "paper_compat",
        "compile",
        "per_image",
        "overwrite",
        "no_progress",
        "no_plot",
    ]
)
#: what the command line logs: taken by every command and tool (not part of ``accepts``), applied by the CLI
#: (:mod:`intriguing.cli.logs`) and never part of a run's configuration; a library call configures ``logging`` itself
LOGGING = frozenset(["verbose", "quiet"])


@dataclass
class CommonOptions:
    """Options every experiment understands (each experiment says which of them it takes)."""

    models: str = option(
        "deit_small_patch16_224,resnet50.tv_in1k",
        "comma list of model names or wildcards; NAME=PATH|URL|random picks the weights",
    )
    data_path: Optional[str] = option(
        None,
        "folder of class sub-folders (ImageNet wnids score 1000-way); "
        "default: $DATA_PATH, else Imagenette val in data/",
    )
    limit: Optional[int] = option(
        None, "use N evenly spaced images in all (deterministic, covers every class; quick runs)", within="[1, inf)"
    )
    batch_size: int = option(64, "images per batch (halved automatically on CUDA out-of-memory)", within="[1, inf)")
    workers: int = option(
        min(4, os.cpu_count() or 1), "data-loading processes (0: load in the main process)", within="[0, inf)"
    )
    device: str = option("auto", "auto | cpu | cuda | cuda:N | mps")
    precision: str = option(
        "auto", "auto/amp: bf16/fp16 autocast on GPU (fp32 on CPU); fp32: always fp32", choices=("auto", "amp", "fp32")
    )
    seed: int = option(0, "seed of every random draw (masks, permutations, random-init weights)", within="[0, inf)")
    runs: int = option(1, "repeat random conditions N times (the paper used 5)", within="[1, inf)")
    out_dir: Optional[str] = option(None, "results folder (default results/<experiment>); rerun to resume")
    metrics: str = option(
        "topk",
        "comma list of metric accumulators (topk always; calibration adds ECE/NLL; "
        "real adds ImageNet-ReaL top-1, needs the [factors] extra)",
    )
    paper_compat: bool = option(False, "reproduce the original code's protocol exactly (see README)")
    compile: bool = option(False, "torch.compile each model (GPU runs of many conditions; the first batch compiles)")
    per_image: bool = option(False, "also write per-image outcomes (per_image.csv.gz) for paired tests")
    overwrite: bool = option(False, "delete this folder's earlier results and start fresh")
    no_progress: bool = option(False, "hide progress bars")
    no_plot: bool = option(False, "skip drawing plots")
    verbose: bool = option(False, "also log debug diagnostics (on stderr)")
    quiet: bool = option(False, "log warnings and errors only (progress bars and results are unchanged)")

    def __post_init__(self) -> None:
        check_declared(self)  # CommonOptions(limit=0) built directly is refused too
        if self.data_path is not None:
            self.data_path = os.path.normpath(str(self.data_path))  # 'val/' and 'val' are one configuration
        if isinstance(self.models, (list, tuple)):
            self.models = ",".join(self.models)
