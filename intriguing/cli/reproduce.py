"""``intriguing reproduce PAPER``: run a paper's plan (one step per table / figure) and write the report.

    intriguing reproduce --list
    intriguing reproduce naseer2021 --imagenet-val /data/imagenet/val --voc /data --cue-conflict /data/cue-conflict
    intriguing reproduce naseer2021 --models offline --quick --data-root ../shared
    intriguing reproduce park2022 --dry-run

Results go to ``--out-dir`` (default ``results/reproduce/<paper>``, ``<paper>-quick`` with ``--quick``): one folder
per step, ``reproduce.json``, ``report.md``, ``report.html`` and ``report.json``. A rerun skips finished steps and
resumes a partial one. Exit status: 0 when no step failed (a step not run for want of data or of a model to play
its models is reported, not an error), 1 when a step failed (a crash, or a model that did not load or run; the other
steps still run), 2 bad input, 130 interrupted (rerun to resume).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Optional

from intriguing.cli.logs import add_flags
from intriguing.errors import UserError


def parser() -> argparse.ArgumentParser:
    from intriguing.reproduce import PAPERS
    from intriguing.reproduce.plan import DATA

    first, rest = __doc__.replace("``", "`").split("\n\n", 1)
    p = argparse.ArgumentParser(
        allow_abbrev=False,
        prog="intriguing reproduce",
        description=first,
        epilog=rest,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paper", nargs="?", choices=PAPERS, help="the paper to reproduce")
    p.add_argument("--list", action="store_true", help="name the papers and their steps, then exit")
    p.add_argument(
        "--models",
        choices=("paper", "offline"),
        default=None,
        help="paper: the paper's checkpoints and timm models (downloaded when online); offline: "
        "EfficientNet-Lite0 and the reference models trained in this repository (default: paper, or "
        "only the --map roles when --map is given alone)",
    )
    p.add_argument(
        "--map",
        default="",
        metavar="ROLE=MODEL[+MODEL],...",
        help="who plays a paper model (e.g. deit_small=deit_tiny_d6_p8_64_imagenette); ROLE= plays nobody",
    )
    p.add_argument("--quick", action="store_true", help="a first look: a few hundred images, one run, fewer conditions")
    p.add_argument("--steps", nargs="+", default=None, metavar="STEP", help="run only these steps (--list names them)")
    p.add_argument("--dry-run", action="store_true", help="print the plan with forward passes and time per step")
    p.add_argument("--out-dir", default=None, help="default: results/reproduce/<paper>[-quick]")
    p.add_argument(
        "--data-root",
        default=None,
        help="a folder holding the data sets in the plain layout "
        "(imagenet/val, voc/, cue-conflict/, ...) or the shared one (datasets/imagenette/val, ...)",
    )
    for key, spec in DATA.items():
        p.add_argument(
            spec.flag, dest=key.replace("-", "_"), default=None, metavar="DIR", help=f"{spec.name}: {spec.layout}"
        )
    p.add_argument(
        "--paper-compat",
        action="store_true",
        help="steps run with --paper-compat (the original code's protocol) where the experiment has it",
    )
    p.add_argument("--device", default=None, help="auto | cpu | cuda | cuda:N (passed to every step)")
    p.add_argument("--batch-size", type=int, default=None, help="passed to every step")
    p.add_argument("--workers", type=int, default=None, help="passed to every step")
    p.add_argument("--precision", choices=("auto", "amp", "fp32"), default=None, help="passed to every step")
    add_flags(p)  # every command takes --verbose / --quiet (read by cli/main.py)
    return p


def list_plans() -> str:
    from intriguing.reproduce.plans import PLANS

    lines = []
    for name, plan in PLANS.items():
        lines.append(f"{name}:")
        for s in plan.steps:
            quick = "" if s.quick is not None else "  (not in --quick)"
            lines.append(f"  {s.id:20s} {s.experiment or '-':20s} {s.title}{quick}")
    return "\n".join(lines)


def dry_run(settings, device_spec: Optional[str]) -> str:
    from intriguing.device import resolve_device
    from intriguing.reproduce import estimate
    from intriguing.reproduce.run import step_call

    device = resolve_device(device_spec or "auto")
    cache: dict = {}
    lines = [
        f"{settings.plan.paper} on {device}" + (" (--quick)" if settings.quick else "") + ": forward passes "
        "per step; time = passes x one forward of each model, measured here on 4 random images (a lower "
        "bound: loading, attacks' bookkeeping and corruption rendering are not counted)",
        "",
    ]
    total = 0.0
    for step in settings.plan.steps:
        if not settings.selected(step):
            continue
        call = step_call(step, settings)
        kwargs = call.kwargs
        if kwargs is None:
            lines.append(f"{step.id:20s} not run: {call.reason}")
            continue
        per, what = estimate.forwards_per_image(step.experiment, kwargs)
        n = estimate.images(step.experiment, kwargs, kwargs["data_path"])
        models = kwargs["models"].split(",")
        size = kwargs.get("input_size") if step.experiment == "segmentation" else None
        secs, notes, untimed = 0.0, [], 0
        for m in models:
            sec, how = estimate.seconds_per_image(m, device, cache, size)
            notes.append(f"{m} {'?' if sec is None else f'{1000 * sec:.1f} ms/img'} ({how})")
            untimed += sec is None
            secs += (sec or 0.0) * per * (n or 0)
        passes = f"{per:g}/image x {n if n else '?'} images x {len(models)} models"
        time_text = estimate.fmt_seconds(secs if n else None) + (f" + {untimed} model(s) not timed" if untimed else "")
        lines.append(f"{step.id:20s} {step.experiment:20s} {passes} ({what}); ~{time_text}")
        lines.append(f"{'':20s} {'; '.join(notes)}")
        lines += [f"{'':20s} left out: {m}: {why}" for m, why in call.unavailable.items()]
        total += secs
    lines += ["", f"total ~{estimate.fmt_seconds(total)} for the models timed (steps finished earlier are skipped)"]
    return "\n".join(lines)


def settings_from(args: argparse.Namespace, argv: list[str]):
    from intriguing.reproduce import models
    from intriguing.reproduce.plan import DATA, data_paths
    from intriguing.reproduce.plans import PLANS
    from intriguing.reproduce.run import Settings

    plan = PLANS[args.paper]
    for step_id in args.steps or []:
        plan.step(step_id)  # an unknown step is one sentence
    mode = args.models or ("map" if args.map else "paper")
    specs = models.resolve(mode, args.map)
    data = data_paths(args.data_root, {k: getattr(args, k.replace("-", "_")) for k in DATA})
    out = args.out_dir or f"results/reproduce/{args.paper}" + ("-quick" if args.quick else "")
    common = {
        "device": args.device,
        "batch_size": args.batch_size,
        "workers": args.workers,
        "precision": args.precision,
    }
    return Settings(
        plan=plan,
        specs=specs,
        data=data,
        out_dir=out,
        quick=args.quick,
        steps=args.steps,
        paper_compat=args.paper_compat,
        common=common,
        mode=mode,
        command="intriguing reproduce " + " ".join(shlex.quote(a) for a in argv),
    )


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.list:
        print(list_plans())
        return 0
    if not args.paper:
        raise UserError("Name a paper (intriguing reproduce --list names them).")
    from intriguing import distributed
    from intriguing.reproduce import published, report
    from intriguing.reproduce.run import run_plan

    paper = published.load(args.paper)
    settings = settings_from(args, argv)
    if args.dry_run:
        print(dry_run(settings, args.device))
        return 0
    try:
        outcomes = run_plan(settings)
    except KeyboardInterrupt:
        print("\ninterrupted: finished steps are kept; rerun the same command to resume.", file=sys.stderr)
        return 130
    if not distributed.from_env().is_main:
        return 0
    paths = report.write(paper, settings.plan, outcomes, settings.quick, settings.command, settings.out_dir)
    print("\n".join(f"report: {p}" for p in paths))
    ran = [o for o in outcomes if settings.selected(o.step)]
    return 1 if any(o.status == "failed" for o in ran) else 0
