"""``intriguing factors DIR [DIR ...]``: where a model's errors fall, by ImageNet-X factor (no model is re-run).

    intriguing occlusion --models deit_small_patch16_224,resnet50.tv_in1k --data-path imagenet/val \\
        --ratios 0 0.25 0.5 --per-image
    intriguing factors results/occlusion

From the per-image records (``--per-image``) of any classification run on ImageNet val images, per model and
condition: the ImageNet-X error ratio of each of the 16 factors (the package's definition, see
:mod:`intriguing.annotations.factors`) with a 95% bootstrap CI over images; ``factors.csv``, ``factors.md``,
``factors.png`` (factors x models, one panel per condition) and, along a numeric condition such as the dropped
ratio, ``factors_trend.png`` and which factors the errors concentrate on as it grows. Images without ImageNet-X
annotations (not val files, the package's prototypes, unannotated) are counted, and named in
``factors_unannotated.txt``. Several runs of a condition are pooled per image.
"""

from __future__ import annotations

import argparse
import csv
import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intriguing.annotations.factors import ErrorRatios, error_ratios, rank
from intriguing.annotations.files import val_name, val_number
from intriguing.annotations.imagenet_x import WHICH, FactorAnnotations, load_factor_annotations
from intriguing.cli.logs import add_flags
from intriguing.cli.report import load_per_image
from intriguing.errors import UserError
from intriguing.records import MANIFEST
from intriguing.records.per_image import OUTCOMES

log = logging.getLogger(__name__)

NOT_KEYS = ("image", "path", "label", "run") + OUTCOMES  # what a (model, condition) group is not keyed on
AXES = ("ratio", "severity", "eps")  # preferred trend axis among numeric columns that vary together


def _why_unannotated(path: str, ann: FactorAnnotations) -> str:
    number = val_number(path)
    if number is None:
        return "not an ImageNet val file"
    return (
        "ImageNet-X prototype (left out, as the package does)"
        if val_name(number) in ann.prototypes
        else "no ImageNet-X annotation"
    )


def group_errors(
    rows: Sequence[dict], ann: FactorAnnotations
) -> tuple[list[str], dict[tuple, dict[str, list]], dict[str, str]]:
    """(key columns, group key -> annotated val file name -> correct@1 of each run, unannotated path -> why)."""
    keys = [c for c in dict.fromkeys(k for r in rows for k in r) if c not in NOT_KEYS]
    groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    missing: dict[str, str] = {}
    for r in rows:
        number = val_number(r["path"])
        name = val_name(number) if number is not None else ""
        if name not in ann.rows:
            missing.setdefault(r["path"], _why_unannotated(r["path"], ann))
            continue
        groups[tuple(r.get(k, "") for k in keys)][name].append(int(r["correct1"]))
    return keys, groups, missing


def compute(
    groups: dict[tuple, dict[str, list]], ann: FactorAnnotations, seed: int, resamples: int
) -> dict[tuple, ErrorRatios]:
    """Error ratios of each group: an image's error is its share of wrong runs; images in val-name order."""
    out = {}
    for key, images in groups.items():
        names = sorted(images)
        errors = np.array([1.0 - float(np.mean(images[n])) for n in names])
        out[key] = error_ratios(errors, ann.matrix[[ann.rows[n] for n in names]], seed, resamples)
    return out


def _is_number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def _aliases(results: dict[tuple, ErrorRatios], keys: list[str], col: str, numeric: list[str]) -> list[str]:
    """The numeric columns whose value is fixed by ``col``'s (and the other way round) over the groups."""
    i = keys.index(col)
    out = []
    for other in numeric:
        j = keys.index(other)
        pairs = {(k[i], k[j]) for k in results}
        if other != col and len(pairs) == len({p[0] for p in pairs}) == len({p[1] for p in pairs}):
            out.append(other)
    return out


def pick_axis(results: dict[tuple, ErrorRatios], keys: list[str], varying: list[str], along: str) -> tuple[str, list]:
    """The numeric condition column to follow (``--along`` or the only one, counting columns that vary together,
    such as occlusion's ratio and dropped, once) and its aliases; ('', []) when there is none or several."""
    numeric = [c for c in varying if all(_is_number(str(k[keys.index(c)])) for k in results)]
    if along:
        if along not in numeric:
            raise UserError(
                f"--along {along}: the numeric condition columns that vary are {', '.join(numeric) or 'none'}."
            )
        return along, _aliases(results, keys, along, numeric)
    if not numeric:
        return "", []
    col = next((c for c in AXES if c in numeric), numeric[0])
    aliases = _aliases(results, keys, col, numeric)
    if set(numeric) - set(aliases) - {col}:
        log.info(f"several numeric condition columns vary ({', '.join(numeric)}); pass --along to follow one.")
        return "", []
    return col, aliases


def _fmt(r: ErrorRatios, j: int) -> str:
    if not np.isfinite(r.ratio[j]):
        return "n/a"
    ci = f" [{r.ci_low[j]:.2f}, {r.ci_high[j]:.2f}]" if np.isfinite(r.ci_low[j]) else ""
    return f"{r.ratio[j]:.2f}{ci}"


def tables(
    panels: Sequence[tuple[str, Sequence[tuple[str, ErrorRatios]]]], factors: Sequence[str], markdown: bool
) -> str:
    """One table per condition: a row per factor (images with it), a column per model: ratio [95% CI]."""
    out = []
    for cond, entries in panels:
        head = ["factor", "images"] + [m for m, _ in entries]
        body = [[f, str(entries[0][1].images[j])] + [_fmt(r, j) for _, r in entries] for j, f in enumerate(factors)]
        body.append(["(overall error %)", str(entries[0][1].n)] + [f"{100 * r.overall:.2f}" for _, r in entries])
        if markdown:
            lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(row) + " |" for row in body]
        else:
            widths = [max(len(x) for x in col) for col in zip(head, *body)]
            fmt = lambda xs: "  ".join(x.ljust(w) for x, w in zip(xs, widths)).rstrip()  # noqa: E731, B023
            lines = [fmt(head), fmt(["-" * w for w in widths])] + [fmt(row) for row in body]
        out.append((f"### {cond}\n\n" if markdown else f"{cond}:\n") + "\n".join(lines))
    return "\n\n".join(out) + "\n"


def write_csv(path: Path, results: dict[tuple, ErrorRatios], keys: list[str], factors: Sequence[str]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            keys
            + [
                "factor",
                "images",
                "errors",
                "error_rate",
                "overall_error",
                "error_ratio",
                "ci_low",
                "ci_high",
                "annotated_images",
            ]
        )
        for key, r in results.items():
            for j, factor in enumerate(factors):
                rate = 100.0 * r.errors[j] / r.images[j] if r.images[j] else float("nan")
                w.writerow(
                    list(key)
                    + [
                        factor,
                        int(r.images[j]),
                        round(float(r.errors[j]), 6),
                        rate,
                        100.0 * r.overall,
                        float(r.ratio[j]),
                        float(r.ci_low[j]),
                        float(r.ci_high[j]),
                        r.n,
                    ]
                )


def concentration(
    series: dict[str, list[tuple[float, ErrorRatios]]], factors: tuple[str, ...], along: str, min_images: int
) -> str:
    """Per series: the highest error ratios at each level of ``along`` and the factor whose ratio rose most."""
    lines = [
        f"where the errors concentrate as {along} grows (highest error ratios; factors with >= {min_images} images):"
    ]
    for label, points in series.items():
        levels = "; ".join(
            f"{along} {x:g}: "
            + (", ".join(f"{f.replace('_', ' ')} {v:.2f}" for f, v in rank(r, factors, min_images)) or "-")
            for x, r in points
        )
        first, last = points[0][1], points[-1][1]
        rises = [
            (last.ratio[j] - first.ratio[j], j)
            for j in range(len(factors))
            if min(r.images[j] for _, r in points) >= min_images and np.isfinite(last.ratio[j] - first.ratio[j])
        ]
        rise = max(rises, default=None)
        most = (
            (
                f"; rises most: {factors[rise[1]].replace('_', ' ')} {first.ratio[rise[1]]:.2f} -> "
                f"{last.ratio[rise[1]]:.2f}"
            )
            if rise
            else ""
        )
        lines.append(f"  {label}: {levels}{most}")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    """This command's parser (its --help and the generated docs/commands page)."""
    p = argparse.ArgumentParser(allow_abbrev=False, prog="intriguing factors", description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="results folders with per-image records (--per-image runs)")
    p.add_argument("--out", default=None, help="where the tables and plots go (default: the first folder)")
    p.add_argument(
        "--which-factor",
        default="top",
        choices=WHICH,
        help="ImageNet-X's 'top' factor per image (the package's default) or every 'multi' factor",
    )
    p.add_argument(
        "--min-images",
        type=int,
        default=20,
        help="factors with fewer images are left out of the 'concentrate' ranking and trend plot",
    )
    p.add_argument("--along", default="", help="numeric condition column to follow (default: the one that varies)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples of the images")
    p.add_argument("--no-plot", action="store_true", help="tables only")
    add_flags(p)  # every command takes --verbose / --quiet (read by cli/main.py)
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    for flag, value in (("--min-images", args.min_images), ("--resamples", args.resamples)):
        if value < 1:
            raise UserError(f"{flag} must be at least 1; got {value}.")
    for f in args.folders:
        if not (Path(f) / MANIFEST).is_file():
            raise UserError(f"{f} is not a results folder (no {MANIFEST}).")
    rows = load_per_image(args.folders)
    if not rows:
        raise UserError(f"{', '.join(args.folders)} has no per-image records; rerun the command with --per-image.")
    ann = load_factor_annotations(args.which_factor)
    keys, groups, missing = group_errors(rows, ann)
    n_images = len({r["path"] for r in rows})
    if not groups:
        raise UserError(
            f"None of the {n_images} images in the per-image records of {', '.join(args.folders)} is an "
            f"ImageNet val image with ImageNet-X annotations (files named ILSVRC2012_val_*.JPEG)."
        )
    results = compute(groups, ann, args.seed, args.resamples)
    try:
        return report(results, keys, ann, missing, n_images, args)
    except OSError as e:  # a read-only or full --out, a file in the way: one sentence, not a traceback
        raise UserError(
            f"Cannot write to {args.out or args.folders[0]} ({e.strerror or e}); choose another --out."
        ) from None


def report(
    results: dict[tuple, ErrorRatios],
    keys: list[str],
    ann: FactorAnnotations,
    missing: dict[str, str],
    n_images: int,
    args: argparse.Namespace,
) -> int:
    """Print and write the tables, the unannotated images and the plots."""
    conds = [c for c in keys if c not in ("model", "weights")]
    varying = [c for c in conds if len({k[keys.index(c)] for k in results}) > 1]
    axis, aliases = pick_axis(results, keys, varying, args.along)  # a wrong --along stops before anything is written
    out = Path(args.out or args.folders[0])
    out.mkdir(parents=True, exist_ok=True)

    def model_label(key: tuple) -> str:  # load_per_image has named several weights under one name apart
        return str(key[keys.index("model")])

    def cond_label(key: tuple, cols: Sequence[str]) -> str:
        return " ".join(f"{c}={key[keys.index(c)]}" for c in cols) or "all images"

    panels: dict[str, list[tuple[str, ErrorRatios]]] = defaultdict(list)
    for key, r in results.items():  # columns that only restate the axis (occlusion's dropped) are not repeated
        panels[cond_label(key, [c for c in varying if c not in aliases])].append((model_label(key), r))
    text = tables(list(panels.items()), ann.factors, markdown=False)
    (out / "factors.md").write_text(
        f"# ImageNet-X error ratios ({args.which_factor} factor)\n\n"
        + tables(list(panels.items()), ann.factors, markdown=True)
    )
    write_csv(out / "factors.csv", results, keys, ann.factors)
    print(
        f"ImageNet-X error ratios ({args.which_factor} factor; 1 = the model's overall error rate; 95% bootstrap "
        f"CI over images)\n\n{text}"
    )
    if missing:
        with open(out / "factors_unannotated.txt", "w") as f:
            f.writelines(f"{path}\t{why}\n" for path, why in sorted(missing.items()))
        counts = defaultdict(int)
        for why in missing.values():
            counts[why] += 1
        print(
            f"{len(missing)} of {n_images} images have no ImageNet-X annotation and are not counted ("
            + ", ".join(f"{n} {why}" for why, n in sorted(counts.items()))
            + f"), e.g. {min(missing)}; all named "
            f"in {out / 'factors_unannotated.txt'}"
        )
    written = [out / "factors.csv", out / "factors.md"]
    series: dict[str, list[tuple[float, ErrorRatios]]] = defaultdict(list)
    if axis:
        rest = [c for c in varying if c != axis and c not in aliases]
        for key, r in results.items():
            series[" ".join([model_label(key)] + ([cond_label(key, rest)] if rest else []))].append(
                (float(key[keys.index(axis)]), r)
            )
        series = {k: sorted(v, key=lambda p: p[0]) for k, v in series.items() if len(v) > 1}
        if series:
            print("\n" + concentration(series, ann.factors, axis, args.min_images))
    if not args.no_plot:
        from intriguing.plots.factors import factor_bars, factor_trend

        title = f"ImageNet-X error ratios ({args.which_factor} factor), {Path(args.folders[0]).name}"
        written.append(factor_bars(list(panels.items()), ann.factors, args.min_images, out / "factors.png", title))
        if series:
            written.append(
                factor_trend(
                    series, ann.factors, axis, args.min_images, out / "factors_trend.png", f"{title}: along {axis}"
                )
            )
    print("\n" + "\n".join(f"wrote {p}" for p in written))
    return 0
