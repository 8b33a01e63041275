"""``intriguing report DIR [DIR ...]``: redraw plots and tables from one or several results folders.

Each folder's manifest names its experiment; that experiment's own report draws the plots (from the records, as
during the run). With several folders of one experiment the records are combined into one plot and table (a model
present in several folders is labelled ``folder/model``). Writes ``summary.md`` and ``summary.tex`` (top-1 / top-5
mean ± std over runs and the 95% CI over images: with several runs and per-image records, the CI of the run-mean,
see :mod:`intriguing.records.summary`), and with ``--per-class`` ``per_class.csv`` from the per-image records.
"""

from __future__ import annotations

import argparse
import csv
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from intriguing.cli.logs import add_flags
from intriguing.errors import UserError
from intriguing.records import MANIFEST, RecordSchema, read_manifest, read_records
from intriguing.records.labels import label_records
from intriguing.records.per_image import read as read_per_image
from intriguing.records.summary import group_columns, latex_table, markdown_table, summarize

LEGACY_NAMES = {"freq_noise": "freq-noise"}


def command_of(folder: str | Path) -> Optional[str]:
    """The command whose results ``folder`` holds, as its manifest names it (None without one)."""
    name = read_manifest(folder).get("analysis")
    return LEGACY_NAMES.get(name, name) if name else None


def schema_of(command: str) -> RecordSchema:
    """The record schema of ``command`` (an unknown name is one sentence): folders of earlier versions read by it."""
    from intriguing.experiments import get_experiment

    return get_experiment(command).schema


def folder_records(folder: str | Path) -> list[dict]:
    """The records of a results folder, keyed by its command's schema (one per distinct row without a manifest)."""
    command = command_of(folder)
    return read_records(folder, schema_of(command) if command else None)


def _label(folders: Sequence[str], records_of: Sequence[list[dict]]) -> dict[tuple, str]:
    """(folder, model) -> the model's label in a combined report: ``folder/model`` when several folders hold it."""
    counts = Counter(m for records in records_of for m in {r["model"] for r in records})
    return {
        (f, m): (f"{Path(f).name}/{m}" if len(folders) > 1 and counts[m] > 1 else m)
        for f, records in zip(folders, records_of)
        for m in {r["model"] for r in records}
    }


def load_folders(folders: Sequence[str]) -> tuple:
    """(experiment name, combined records) of one or several results folders; bad input is one sentence."""
    names, combined, per_folder = set(), [], []
    for f in folders:
        path = Path(f)
        if not (path / MANIFEST).is_file():
            raise UserError(f"{path} is not a results folder (no {MANIFEST}).")
        name = command_of(path)
        # several weights under one name: one label each
        records = label_records(read_records(path, schema_of(name))) if name else []
        if not records:
            raise UserError(f"{path} has no records to report.")
        names.add(name)
        per_folder.append((path, records))
    if len(names) > 1:
        raise UserError(f"The folders hold different experiments ({', '.join(sorted(names))}); report them separately.")
    label = _label(folders, [records for _, records in per_folder])
    for f, (_, records) in zip(folders, per_folder):
        combined += [{**r, "model": label[(f, r["model"])]} for r in records]
    return names.pop(), combined


def load_per_image(folders: Sequence[str]) -> list[dict]:
    """The folders' per-image rows, models labelled as :func:`load_folders` labels them ([] without any)."""
    per = [label_records(read_per_image(f)) for f in folders]
    if not any(per):
        return []
    label = _label(folders, [label_records(folder_records(f)) for f in folders])
    return [{**r, "model": label.get((f, r["model"]), r["model"])} for f, rows in zip(folders, per) for r in rows]


def write_tables(records: list[dict], out: Path, schema: RecordSchema, per_image: Sequence[dict] = ()) -> list[Path]:
    """summary.md / summary.tex grouped by the schema's key columns (runs averaged); classification records only."""
    if not any("top1" in r for r in records):
        return []
    columns = group_columns(records, schema)
    metrics = ["top1"] + (["real_top1"] if any("real_top1" in r for r in records) else []) + ["top5"]
    rows = summarize([r for r in records if "top1" in r], columns, metrics, per_image=per_image)
    (out / "summary.md").write_text(markdown_table(rows, columns, metrics))
    (out / "summary.tex").write_text(latex_table(rows, columns, metrics))
    return [out / "summary.md", out / "summary.tex"]


def per_class(folders: Sequence[str], out: Path) -> Path:
    """Accuracy per (model, condition, class) from the per-image records."""
    rows = [{"folder": Path(f).name, **r} for f in folders for r in read_per_image(f)]
    if not rows:
        raise UserError("--per-class needs per-image records; rerun the experiment with --per-image.")
    keys = [
        k
        for k in rows[0]
        if k not in ("image", "path", "correct1", "correct5", "pred", "conf", "label")
        and (k != "folder" or len(folders) > 1)
    ]
    acc: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        cls = r["path"].split("/")[0] if "/" in r["path"] else r["label"]
        a = acc[tuple(r[k] for k in keys) + (cls,)]
        a[0] += int(r["correct1"])
        a[1] += 1
    path = out / "per_class.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(keys + ["class", "n", "top1"])
        for key, (c, n) in sorted(acc.items()):
            w.writerow(list(key) + [n, round(100.0 * c / n, 4)])
    return path


def parser() -> argparse.ArgumentParser:
    """This command's parser (its --help and the generated docs/commands page)."""
    p = argparse.ArgumentParser(allow_abbrev=False, prog="intriguing report", description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="results folders (of one experiment)")
    p.add_argument("--out", default=None, help="where combined plots and tables go (default: the first folder)")
    p.add_argument("--per-class", action="store_true", help="also write per_class.csv (needs --per-image runs)")
    p.add_argument("--no-plot", action="store_true", help="tables only")
    add_flags(p)  # every command takes --verbose / --quiet (read by cli/main.py)
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from intriguing.experiments import get_experiment

    name, records = load_folders(args.folders)
    out = Path(args.out or args.folders[0])
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
        print(get_experiment(name).report(records, out, plot=not args.no_plot))
        tables = write_tables(records, out, schema_of(name), load_per_image(args.folders))
        for path in tables + ([per_class(args.folders, out)] if args.per_class else []):
            print(f"table: {path}")
    except OSError as e:  # a read-only or full --out, a file in the way: one sentence, not a traceback
        raise UserError(f"Cannot write the report to {out} ({e.strerror or e}); choose another --out.") from None
    return 0
