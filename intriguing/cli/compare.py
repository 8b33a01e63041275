"""``intriguing compare``: paired differences between two models or two conditions, image by image.

    intriguing compare results/occlusion --a model=deit_small_patch16_224 --b model=resnet50.tv_in1k \
        --where condition=random ratio=0.5 run=0

A and B are selections of the per-image records (``--per-image`` runs) by column values; ``--where`` applies to
both. Each image must be selected once on each side; the output gives n paired images, both accuracies, their
difference with a paired-bootstrap 95% CI, the discordant counts and McNemar's exact p-value.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from intriguing.cli.logs import add_flags
from intriguing.errors import UserError
from intriguing.records.per_image import IMAGE, OUTCOMES
from intriguing.records.per_image import read as read_per_image
from intriguing.records.stats import paired


def _selection(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"Selections are COLUMN=VALUE; got {item!r}.")
        out[key] = value
    return out


def _matches(row: dict[str, str], sel: dict[str, str]) -> bool:
    def same(a: str, b: str) -> bool:
        try:
            return float(a) == float(b)
        except ValueError:
            return a == b

    return all(k in row and same(row[k], v) for k, v in sel.items())


def _by_image(rows: list[dict[str, str]], sel: dict[str, str], side: str) -> dict[int, bool]:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    unknown = [k for k in sel if k not in columns]
    if unknown:
        raise UserError(f"The per-image records have no column {unknown[0]!r} (they have {', '.join(columns)}).")
    chosen = [r for r in rows if _matches(r, sel)]
    if not chosen:
        raise UserError(f"--{side} {' '.join(f'{k}={v}' for k, v in sel.items())} selects no per-image records.")
    out: dict[int, bool] = {}
    for r in chosen:
        i = int(r["image"])
        if i in out:
            # a per-image row: the image, its record's key columns (model, weights, condition), the outcomes
            varying = sorted(k for k in r if k not in IMAGE + OUTCOMES and len({c[k] for c in chosen}) > 1)
            raise UserError(f"--{side} selects several records per image; add --where for {', '.join(varying)}.")
        out[i] = r["correct1"] == "1"
    return out


def parser() -> argparse.ArgumentParser:
    """This command's parser (its --help and the generated docs/commands page)."""
    p = argparse.ArgumentParser(allow_abbrev=False, prog="intriguing compare", description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="results folder(s) with per_image.csv.gz")
    p.add_argument("--a", nargs="+", required=True, metavar="COLUMN=VALUE", help="selection A")
    p.add_argument("--b", nargs="+", required=True, metavar="COLUMN=VALUE", help="selection B")
    p.add_argument("--where", nargs="*", default=[], metavar="COLUMN=VALUE", help="applies to A and B")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    add_flags(p)  # every command takes --verbose / --quiet (read by cli/main.py)
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    rows = [r for f in args.folders for r in read_per_image(f)]
    if not rows:
        raise UserError(f"{', '.join(args.folders)} has no per-image records; rerun the experiment with --per-image.")
    where = _selection(args.where)
    a = _by_image(rows, {**where, **_selection(args.a)}, "a")
    b = _by_image(rows, {**where, **_selection(args.b)}, "b")
    common = sorted(set(a) & set(b))
    if not common:
        raise UserError("A and B share no image.")
    res = paired(np.array([a[i] for i in common]), np.array([b[i] for i in common]), seed=args.seed)
    print(f"A: {' '.join(args.a)}   B: {' '.join(args.b)}" + (f"   where {' '.join(args.where)}" if where else ""))
    print(
        f"paired images   {res.n}\n"
        f"top-1 A         {res.acc_a:.2f}\n"
        f"top-1 B         {res.acc_b:.2f}\n"
        f"A - B           {res.diff:+.2f} points, 95% paired-bootstrap CI [{res.ci_low:+.2f}, {res.ci_high:+.2f}]\n"
        f"discordant      A only {res.a_only}, B only {res.b_only}\n"
        f"McNemar exact   p = {res.p_mcnemar:.4g}"
    )
    return 0
