"""The typed experiment protocol every ``intriguing <command>`` implements.

An experiment is a sub-package ``intriguing/experiments/<name>/`` with a config dataclass (the single
home of its defaults; its :func:`~intriguing.options.option` fields are the command's flags) and an
:class:`Experiment` subclass in ``experiment.py``, registered with its summary and accepted common options in
:mod:`intriguing.experiments` (the single home of those two, so listing commands imports no class). The runner
(:mod:`intriguing.runner`) calls, in order::

    expand_models -> load_data -> out_name / identity -> models loaded, prepare_model each
    -> run(bundles, data, run_dir, opts) -> report(records, out_dir)

Only ``run`` and ``report`` must be written; every other hook is a method with a default here, so a
misspelled override is caught when the class is loaded (:func:`check_experiment`) instead of being
silently ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from intriguing.options import COMMON_ALL, CommonOptions

if TYPE_CHECKING:  # the records package imports torch: loaded with the experiment, not with the parser
    from intriguing.records.schema import RecordSchema

C = TypeVar("C")

Records = list[dict]
Failed = dict[str, str]


class Experiment(Generic[C]):
    """Base class: subclasses set ``name`` and ``Config`` and write ``run`` and ``report``; the summary and the
    common options taken are the registry's (:func:`intriguing.experiments.experiment_info`)."""

    name: ClassVar[str] = ""
    Config: ClassVar[type]
    #: what its records hold: key and metric columns (``<pkg>/schema.py``), for the store, resume and the reports
    schema: ClassVar[RecordSchema]
    #: False for analyses that never compare predictions with labels (they may mix label spaces)
    uses_labels: ClassVar[bool] = True
    #: False for commands that load no model through --models (e.g. stylization)
    uses_models: ClassVar[bool] = True

    def __init__(self, config: C, common: CommonOptions) -> None:
        self.config = config
        self.common = common

    # ---- optional hooks -------------------------------------------------------------------------
    @classmethod
    def parser_defaults(cls) -> dict[str, Any]:
        """Common-option defaults of this command (e.g. its default ``models``)."""
        return {}

    def expand_models(self, models: str) -> str:
        """Expand presets in ``--models`` (e.g. ``paper``) into model specs."""
        return models

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        """(data handed to ``run``, its manifest entry); default: an ImageNet-style folder."""
        from intriguing.data import imagenette_val, limit_samples, scan_folder

        images = limit_samples(scan_folder(self.common.data_path or imagenette_val()), self.common.limit)
        return images, {
            "root": images.root,
            "images": len(images),
            "classes": len(images.classes),
            "label_space": images.label_space,
        }

    def out_name(self) -> str:
        """Default results folder name under ``results/``."""
        return self.name

    def identity(self) -> list[str]:
        """Config keys that must match for a rerun to resume into the same folder."""
        return [f.name for f in dataclasses.fields(self.config)]  # type: ignore[arg-type]

    def manifest_extras(self) -> dict[str, Any]:
        """Extra entries for ``manifest.json``."""
        return {}

    def prepare_run(self, data: Any, device: Any) -> None:
        """Load what every model of the run shares (occlusion's saliency ViT, train's teacher) once, after
        ``load_data`` and before any results folder is made: a bad one is refused (UserError) without leaving an
        empty folder behind."""

    def prepare_model(self, bundle: Any) -> Any:
        """Adjust a loaded model bundle (e.g. the paper's preprocessing); raise UserError to refuse it."""
        return bundle

    # ---- required -------------------------------------------------------------------------------
    def run(self, bundles: Sequence[Any], data: Any, run_dir: Any, opts: Any) -> tuple[Records, Failed]:
        """Evaluate ``bundles`` on ``data`` through the engine; return (new records, failed models)."""
        raise NotImplementedError

    @classmethod
    def report(cls, records: Records, out_dir: Any, plot: bool = True) -> str:
        """Summary text of ``records``; draws plots into ``out_dir`` when ``plot``."""
        raise NotImplementedError


HOOKS = frozenset(
    n for n, v in vars(Experiment).items() if not n.startswith("_") and callable(v) or isinstance(v, classmethod)
)


#: declared once, in the registry (intriguing/experiments/__init__.py); a copy on the class could drift from it
REGISTRY_ONLY = ("summary", "accepts")


def check_experiment(cls: type, name: str, accepts: frozenset[str] = COMMON_ALL) -> type:
    """Refuse a class that is not a complete Experiment (its record schema included), that defines a near-miss of a
    hook name, or that carries what only the registry declares; ``accepts`` is the registered set of common
    options."""
    if not (inspect.isclass(cls) and issubclass(cls, Experiment)):
        raise TypeError(f"experiment {name!r}: {cls!r} is not an Experiment subclass")
    if not dataclasses.is_dataclass(getattr(cls, "Config", None)):
        raise TypeError(f"experiment {name!r}: {cls.__name__}.Config must be a dataclass")
    if cls.name != name:
        raise TypeError(f"experiment {name!r}: {cls.__name__}.name is {cls.name!r}")
    for hook in ("run", "report"):
        if getattr(cls, hook) is getattr(Experiment, hook):
            raise TypeError(f"experiment {name!r}: {cls.__name__} does not define {hook}()")
    for attr in vars(cls):
        if attr in REGISTRY_ONLY:
            raise TypeError(
                f"experiment {name!r}: {cls.__name__}.{attr} is declared where the experiment is "
                f"registered (intriguing/experiments/__init__.py), not on the class"
            )
        if attr.startswith("_") or attr in HOOKS:
            continue
        near = difflib.get_close_matches(attr, HOOKS, n=1, cutoff=0.8)
        if near:
            raise TypeError(f"experiment {name!r}: {cls.__name__}.{attr} looks like a misspelled hook {near[0]!r}")
    if not cls.uses_models and "models" in accepts:
        raise TypeError(f"experiment {name!r}: uses no models but accepts --models")
    unknown = accepts - COMMON_ALL
    if unknown:
        raise TypeError(f"experiment {name!r}: accepts unknown common options {sorted(unknown)}")
    from intriguing.records.schema import RecordSchema

    schema = getattr(cls, "schema", None)
    if not isinstance(schema, RecordSchema) or schema.command != name:
        raise TypeError(
            f"experiment {name!r}: {cls.__name__}.schema must be the RecordSchema of {name!r} records "
            f"(experiments/<pkg>/schema.py), got {schema!r}"
        )
    return cls
