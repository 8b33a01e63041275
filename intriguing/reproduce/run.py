"""Run a paper's plan: each step is one ``intriguing.run_result`` call into ``OUT/<step>/``, resumable on its own.

A step whose folder already holds a complete run of the same configuration is skipped; a partial one resumes (the
results folder's own machinery); a step that cannot run (no experiment, no model for any of its roles, data missing)
or fails is recorded with the reason and the others go on. ``OUT/reproduce.json`` keeps each step's status, so a
later ``--steps`` run still reports the steps an earlier run finished. Under torchrun every rank runs every step
(each step splits its work over the ranks as the command does); rank 0 decides what runs and writes the report.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from intriguing.errors import UserError
from intriguing.reproduce.compare import NOT_RUN, StepOutcome
from intriguing.reproduce.models import ROLES
from intriguing.reproduce.plan import DATA, Plan, Step

log = logging.getLogger(__name__)

STATUS_FILE = "reproduce.json"
COMMON_PASS = ("device", "batch_size", "workers", "precision")  # the user's settings passed to every step


@dataclass
class Settings:
    """One reproduce invocation: the plan, who plays which model, where the data is, what to run."""

    plan: Plan
    specs: dict[str, list[str]]
    data: dict[str, str]
    out_dir: str
    quick: bool = False
    steps: Optional[list[str]] = None
    paper_compat: bool = False
    common: dict[str, Any] = field(default_factory=dict)
    command: str = ""
    mode: str = ""

    def selected(self, step: Step) -> bool:
        return self.steps is None or step.id in self.steps


def _exists(key: str, path: str) -> bool:
    p = Path(path)
    if key == "voc":  # the folder holding VOCdevkit/VOC2012, or either of those
        return any((q / "JPEGImages").is_dir() for q in (p / "VOCdevkit" / "VOC2012", p / "VOC2012", p))
    return p.is_dir()


def _needs(key: str, path: str) -> str:
    spec = DATA[key]
    return f"needs {spec.name} at {path} ({spec.layout}; pass {spec.flag} DIR or --data-root DIR)"


@dataclass
class Call:
    """What to do with one step: the keyword options of its ``run_result`` call (None: it cannot run, ``reason``
    says why), who plays each of its roles, the models the zoo does not know (left out, with its sentence)."""

    kwargs: Optional[dict[str, Any]]
    specs: dict[str, list[str]]
    reason: str = ""
    unavailable: dict[str, str] = field(default_factory=dict)
    done: bool = False  # its folder already holds this run, complete


def _known(models: list[str]) -> tuple[list[str], dict[str, str]]:
    """(models the zoo or timm knows, unknown -> the zoo's sentence): one unknown name must not sink the step."""
    from intriguing.zoo import resolve_model_specs

    known, unknown = [], {}
    for m in models:
        try:
            resolve_model_specs([m])
            known.append(m)
        except UserError as e:
            unknown[m] = str(e)
    return known, unknown


def step_call(step: Step, s: Settings) -> Call:
    """How the step is called, or why it cannot be."""
    from intriguing.experiments import experiment_info
    from intriguing.options import COMMON_ALL

    specs = {r: list(s.specs.get(r, [])) for r in step.roles}
    if step.experiment is None:
        return Call(None, specs, f"no experiment: {step.missing}")
    if s.quick and step.quick is None:
        return Call(None, specs, "left out of the --quick plan (its published entries hold no number to compare)")
    models, unavailable = _known(list(dict.fromkeys(x for r in step.roles for x in specs[r])))
    if not models:
        labels = ", ".join(ROLES[r].label for r in step.roles)
        reason = next(
            iter(unavailable.values()), f"no model plays any of its models ({labels}); --map ROLE=MODEL names one"
        )
        return Call(None, specs, reason, unavailable)
    key = step.data_key(s.quick)
    path = s.data[key]
    if not _exists(key, path):
        return Call(None, specs, _needs(key, path), unavailable)
    accepts = experiment_info(step.experiment).accepts  # the plan is listed without importing any experiment
    kwargs: dict[str, Any] = {k: v for k, v in step.settings(s.quick).items() if k not in COMMON_ALL or k in accepts}
    for option, role in step.role_options.items():
        played = s.specs.get(role, [])
        if not played:
            return Call(None, specs, f"needs a model for {ROLES[role].label} (--map {role}=MODEL)", unavailable)
        kwargs[option] = played[0]
        specs[role] = played[:1]
    for option, data_key in step.data_options.items():
        if not _exists(data_key, s.data[data_key]):
            return Call(None, specs, _needs(data_key, s.data[data_key]), unavailable)
        kwargs[option] = s.data[data_key]
    kwargs.update(models=",".join(models), data_path=path, out_dir=str(Path(s.out_dir) / step.id))
    kwargs.update({k: v for k, v in s.common.items() if v is not None and k in accepts})
    if s.paper_compat and "paper_compat" in accepts:
        kwargs["paper_compat"] = True
    if "no_progress" in accepts:
        kwargs.setdefault("no_progress", True)
    return Call(kwargs, specs, "", unavailable)


def planned_identity(experiment: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The configuration keys a results folder must match to hold this call's results (as the runner checks)."""
    from intriguing.experiments import get_experiment
    from intriguing.options import CommonOptions, split_kwargs
    from intriguing.runner import COMMON_IDENTITY, make_experiment

    common, config = split_kwargs(kwargs, CommonOptions, get_experiment(experiment).Config)
    exp = make_experiment(experiment, common, config)
    values = {**asdict(exp.common), **asdict(exp.config)}  # as the runner writes the manifest's config
    return json.loads(json.dumps({k: values[k] for k in exp.identity() + COMMON_IDENTITY + ["models"]}, default=str))


def finished(experiment: str, kwargs: dict[str, Any]) -> bool:
    """The step's folder holds a complete run of exactly this configuration and these models."""
    from intriguing.records import read_manifest

    manifest = read_manifest(kwargs["out_dir"])
    if manifest.get("status") != "complete":
        return False
    old = json.loads(json.dumps(manifest.get("config", {}), default=str))
    return all(old.get(k) == v for k, v in planned_identity(experiment, kwargs).items())


def _load(outcome: StepOutcome) -> StepOutcome:
    from intriguing.experiments import get_experiment
    from intriguing.records import read_manifest, read_records

    folder = Path(outcome.folder)
    if folder.is_dir():
        outcome.manifest = read_manifest(folder)
        if (folder / "records.csv").is_file() and outcome.step.experiment:  # keyed by the command's record schema
            outcome.records = read_records(folder, get_experiment(outcome.step.experiment).schema)
    return outcome


def run_step(step: Step, s: Settings, call: Call, is_main: bool) -> StepOutcome:
    folder = str(Path(s.out_dir) / step.id)
    data_path = s.data.get(step.data_key(s.quick) or "", "")
    if call.kwargs is None:
        return StepOutcome(step, NOT_RUN, call.reason, folder, call.specs, data_path, unavailable=call.unavailable)
    if call.done:
        return _load(
            StepOutcome(step, "complete", "", folder, call.specs, data_path, skipped=True, unavailable=call.unavailable)
        )
    from intriguing.runner import run_result

    started = time.time()
    try:
        result = run_result(step.experiment, **call.kwargs)
        status, reason = ("failed" if result.failed else "complete"), ""
        if result.failed:
            reason = "; ".join(f"{k}: {v}" for k, v in result.failed.items())
    except UserError as e:  # refused once running (a block the stand-in lacks, ...): failed, the sentence says why
        status, reason = "failed", str(e)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - one step's crash must not stop the plan; reported with its type
        status, reason = "failed", f"{type(e).__name__}: {e}"
    if is_main:
        log.info(f"  {step.id}: {status}" + (f" ({reason})" if reason else ""))
    return _load(
        StepOutcome(
            step,
            status,
            reason,
            folder,
            call.specs,
            data_path,
            seconds=round(time.time() - started, 1),
            unavailable=call.unavailable,
        )
    )


def earlier(out_dir: str) -> dict[str, dict[str, Any]]:
    p = Path(out_dir) / STATUS_FILE
    try:
        return json.loads(p.read_text()).get("steps", {}) if p.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def from_earlier(step: Step, s: Settings, saved: dict[str, Any], specs: dict[str, list[str]]) -> StepOutcome:
    """A step not selected this time: what an earlier run left in its folder, else 'not selected'."""
    folder = str(Path(s.out_dir) / step.id)
    if saved and saved.get("status") in ("complete", "failed"):
        specs = saved.get("specs") or specs
        return _load(
            StepOutcome(
                step,
                saved["status"],
                saved.get("reason", ""),
                folder,
                specs,
                saved.get("data_path", ""),
                seconds=saved.get("seconds"),
                skipped=True,
            )
        )
    return StepOutcome(step, NOT_RUN, "not selected (--steps)", folder, specs)


def save_status(s: Settings, outcomes: list[StepOutcome], saved: dict[str, dict[str, Any]]) -> None:
    """Write reproduce.json: this run's outcomes, and what an earlier run recorded for the other steps."""
    out = Path(s.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps = dict(saved)
    steps.update(
        {
            o.step.id: {
                "status": o.status,
                "reason": o.reason,
                "seconds": o.seconds,
                "specs": o.specs,
                "data_path": o.data_path,
                "experiment": o.step.experiment,
            }
            for o in outcomes
        }
    )
    doc = {
        "paper": s.plan.paper,
        "command": s.command,
        "models": s.mode,
        "quick": s.quick,
        "data": s.data,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "steps": steps,
    }
    tmp = out / (STATUS_FILE + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, default=str))
    tmp.replace(out / STATUS_FILE)


def decide(s: Settings) -> dict[str, Call]:
    """step id -> its :class:`Call` for the selected steps (rank 0 decides for all ranks)."""
    out = {}
    for step in s.plan.steps:
        if not s.selected(step):
            continue
        call = step_call(step, s)
        if call.kwargs is not None:
            try:
                call.done = finished(step.experiment, call.kwargs)
            except UserError as e:  # the options themselves are refused: say so as the step's reason
                call.kwargs, call.reason = None, str(e)
        out[step.id] = call
    return out


def run_plan(s: Settings) -> list[StepOutcome]:
    """Run the selected steps in plan order; returns every step's outcome (unselected ones from earlier runs)."""
    from intriguing import distributed
    from intriguing.device import resolve_device

    ctx = distributed.from_env()
    if ctx.active:  # one process group for all steps (each step's runner leaves a group it did not open alone)
        distributed.setup(ctx, resolve_device(s.common.get("device") or "auto"))
    try:
        decisions = distributed.broadcast(decide(s) if ctx.is_main else None, ctx)
        saved = earlier(s.out_dir) if ctx.is_main else {}
        outcomes: list[StepOutcome] = []
        selected = [st for st in s.plan.steps if st.id in decisions]
        for step in s.plan.steps:
            if step.id not in decisions:
                outcomes.append(
                    from_earlier(step, s, saved.get(step.id, {}), {r: s.specs.get(r, []) for r in step.roles})
                )
                continue
            if ctx.is_main:
                n = selected.index(step) + 1
                call = decisions[step.id]
                what = (
                    "finished earlier, skipped"
                    if call.done
                    else ("running" if call.kwargs else f"not run: {call.reason}")
                )
                log.info(f"[{n}/{len(selected)}] {step.id}: {what}")
            outcomes.append(run_step(step, s, decisions[step.id], ctx.is_main))
            if ctx.is_main:
                save_status(s, [o for o in outcomes if o.step.id in decisions], saved)
        return outcomes
    finally:
        distributed.teardown(ctx)
