"""The reproduction report: ``report.md``, one self-contained ``report.html`` (figures embedded, opens offline) and
``report.json`` (every row, for tools and tests), all from the same blocks.

At the top, one overview table: every table and figure of the paper with its verdict. Then, per table / figure: our
numbers with their 95% CIs beside the published ones, the difference and each row's verdict, the models actually
used (which stood in for which), the data, the step's figure and links to its folder and manifest.
"""

from __future__ import annotations

import base64
import html
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from intriguing.reproduce.compare import NOT_RUN, EntryVerdict, Row, StepOutcome, condition_text, judge
from intriguing.reproduce.models import ROLES
from intriguing.reproduce.plan import Plan
from intriguing.reproduce.published import Entry, Paper

Block = tuple[Any, ...]


def fmt(x: Optional[float], decimals: Optional[int]) -> str:
    """``x`` with ``decimals`` places (2 when unknown)."""
    return "-" if x is None else f"{x:.{2 if decimals is None else decimals}f}"


def _places(row: Row) -> int:
    """Our numbers get one place more than the paper prints (read-offs: two places)."""
    v = row.value
    return 2 if v.read_off or v.decimals is None else v.decimals + 1


def _ours(row: Row) -> str:
    m, d = row.measured, _places(row)
    if m is None:
        return "-"
    text = fmt(m.value, d) + (f" [{fmt(m.ci[0], d)}, {fmt(m.ci[1], d)}]" if m.ci else "")
    return text + (f" (n={m.n})" if m.n else "")


def _published(row: Row) -> str:
    v = row.value
    text = fmt(v.value, 2 if v.read_off else v.decimals)
    if v.std is not None:
        text += f" ± {fmt(v.std, v.decimals)} (std)"
    if v.read_off:
        text += f" ± {v.uncertainty:g} (read off)"
    return text


def _row_cells(row: Row) -> list[str]:
    role = ROLES[row.role]
    paper_model = role.paper or f"{role.label} (not in the zoo)"
    used = row.used or "-"
    diff = "-" if row.diff is None else f"{row.diff:+.{_places(row)}f}"
    why = "; ".join(row.reasons)
    return [
        f"{row.value.label} ({paper_model})",
        used,
        condition_text(row.value.condition),
        _published(row),
        _ours(row),
        diff,
        row.verdict,
        why,
    ]


ROW_HEAD = ["paper model", "used here", "condition", "published", "ours [95% CI]", "difference", "verdict", "why"]


def entry_blocks(
    entry: Entry, rows: Sequence[Row], verdict: EntryVerdict, outcome: Optional[StepOutcome], out: Path
) -> list[Block]:
    """One table's / figure's section."""
    detail = f" ({verdict.detail})" if verdict.detail else ""
    blocks: list[Block] = [
        ("h", 2, f"{entry.label}: {entry.title}"),
        ("p", f"**Verdict: {verdict.verdict}**{detail}"),
        ("p", f"Published: {entry.source}; metric {entry.metric} ({entry.unit}); data {entry.data}."),
    ]
    if entry.note:
        blocks.append(("p", f"Note on the transcription: {entry.note}"))
    if outcome is None:
        blocks.append(("p", "No step of the plan measures this entry."))
        return blocks
    step = outcome.step
    status = outcome.status + (" (finished earlier, not rerun)" if outcome.skipped else "")
    blocks.append(
        (
            "p",
            f"Step `{step.id}` ({step.experiment or 'no experiment'}): {step.title}. Status: {status}"
            + (f": {outcome.reason}" if outcome.reason else "")
            + ".",
        )
    )
    if outcome.status != NOT_RUN:
        ds = outcome.manifest.get("dataset", {})
        used = ", ".join(f"{ROLES[r].label} <- {', '.join(s) or 'nobody'}" for r, s in outcome.specs.items())
        blocks.append(
            (
                "p",
                f"Data: {outcome.data_path}"
                + (f" ({ds.get('images')} images)" if ds.get("images") else "")
                + f". Models (paper <- used): {used}.",
            )
        )
        blocks.append(
            (
                "links",
                [
                    (f"{step.id}/", f"{step.id}/"),
                    ("manifest.json", f"{step.id}/manifest.json"),
                    ("records.csv", f"{step.id}/records.csv"),
                ],
            )
        )
    if not entry.values:
        blocks.append(("p", "No published number transcribed for this entry: nothing to compare with."))
    else:
        blocks.append(("table", ROW_HEAD, [_row_cells(r) for r in rows]))
    for fig in step.figures:
        if (out / step.id / fig).is_file():
            blocks.append(("img", f"{step.id}/{fig}", f"{entry.label}: {fig} of step {step.id}"))
    return blocks


def build(
    paper: Paper, plan: Plan, outcomes: Sequence[StepOutcome], quick: bool, command: str, out: Path
) -> tuple[list[Block], list[dict[str, Any]]]:
    """(blocks of the report, its rows as plain dicts)."""
    by_entry = {t.entry: (o, t) for o in outcomes for t in o.step.targets}
    overview, sections, rows_json, stand_in = [], [], [], False
    for entry in paper.entries.values():
        if entry.id in by_entry:
            outcome, target = by_entry[entry.id]
            rows, verdict = judge(entry, target, outcome, quick)
        else:
            outcome, rows = None, []
            verdict = EntryVerdict(NOT_RUN, "no step of the plan measures it")
        stand_in |= any(r.used and ROLES[r.role].paper != r.used for r in rows)
        overview.append(
            [entry.label, entry.title, outcome.step.id if outcome else "-", verdict.verdict, verdict.detail]
        )
        sections += entry_blocks(entry, rows, verdict, outcome, out)
        rows_json += [
            {
                "entry": entry.id,
                "step": outcome.step.id if outcome else None,
                "role": r.role,
                "used": r.used,
                "condition": r.value.condition,
                "published": r.value.value,
                "measured": r.measured.value if r.measured else None,
                "ci": list(r.measured.ci) if r.measured and r.measured.ci else None,
                "n": r.measured.n if r.measured else None,
                "verdict": r.verdict,
                "reasons": r.reasons,
            }
            for r in rows
        ]
    head: list[Block] = [
        ("h", 1, f"Reproduction report: {paper.authors} ({paper.venue}), {paper.title}"),
        (
            "p",
            f"Made by `{command}` on {time.strftime('%Y-%m-%d %H:%M')}; arXiv {paper.arxiv}. "
            f"Published numbers: `intriguing/published/{paper.key}.yaml`.",
        ),
    ]
    if stand_in:
        head.append(
            (
                "p",
                "**Read this first.** Rows computed with stand-in models (see each row's 'used here') or "
                "on other data are *not comparable* to the published numbers, which come from the paper's "
                "ImageNet-scale models and data; both numbers are shown so the mechanics can be checked, "
                "never as a reproduction.",
            )
        )
    if quick:
        head.append(
            (
                "p",
                "**--quick**: a first look on a few hundred images with one run and fewer conditions; its "
                "numbers are never a reproduction.",
            )
        )
    head += [
        ("h", 2, "Overview"),
        ("table", ["table / figure", "what", "step", "verdict", "detail"], overview),
        (
            "p",
            "Verdicts: *agrees* = the published value lies in our 95% CI (widened by half a printed unit, or "
            "by the read-off uncertainty of a figure); *differs* = it does not (by the difference shown); *not "
            "comparable* = other models or data (the reason is given); *not run* = nothing was measured (the "
            "reason is given).",
        ),
    ]
    return head + sections, rows_json


def _inline_md_to_html(text: str) -> str:
    t = html.escape(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
    t = re.sub(r"`(.+?)`", r"<code>\1</code>", t)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", t)


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b[0] == "h":
            out.append("#" * b[1] + " " + b[2])
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] == "links":
            out.append(" · ".join(f"[{t}]({h})" for t, h in b[1]))
        elif b[0] == "img":
            out.append(f"![{b[2]}]({b[1]})")
        elif b[0] == "table":
            cell = lambda x: str(x).replace("|", "\\|").replace("\n", " ")  # noqa: E731
            out.append(
                "\n".join(
                    ["| " + " | ".join(map(cell, b[1])) + " |", "|" + "---|" * len(b[1])]
                    + ["| " + " | ".join(map(cell, r)) + " |" for r in b[2]]
                )
            )
    return "\n\n".join(out) + "\n"


CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;padding:3px 6px;"
    "vertical-align:top}th{background:#f3f3f3}img{max-width:100%}code{background:#f3f3f3;padding:0 3px}"
)


def to_html(blocks: Sequence[Block], out: Path, title: str) -> str:
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{CSS}</style></head><body>"
    ]
    for b in blocks:
        if b[0] == "h":
            parts.append(f"<h{b[1]}>{html.escape(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            parts.append(f"<p>{_inline_md_to_html(b[1])}</p>")
        elif b[0] == "links":
            links = (f"<a href='{html.escape(h)}'>{html.escape(t)}</a>" for t, h in b[1])
            parts.append("<p>" + " · ".join(links) + "</p>")
        elif b[0] == "img":
            data = base64.b64encode((out / b[1]).read_bytes()).decode()
            parts.append(
                f"<figure><img alt='{html.escape(b[2])}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{html.escape(b[2])}</figcaption></figure>"
            )
        elif b[0] == "table":
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in b[1])
            body = "".join(
                "<tr>" + "".join(f"<td>{_inline_md_to_html(str(c))}</td>" for c in r) + "</tr>" for r in b[2]
            )
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
    return "\n".join(parts) + "</body></html>\n"


def write(
    paper: Paper, plan: Plan, outcomes: Sequence[StepOutcome], quick: bool, command: str, out_dir: str
) -> list[Path]:
    """Write report.md, report.html and report.json into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    blocks, rows = build(paper, plan, outcomes, quick, command, out)
    paths = [out / "report.md", out / "report.html", out / "report.json"]
    paths[0].write_text(to_markdown(blocks), encoding="utf-8")
    paths[1].write_text(to_html(blocks, out, f"Reproduction report: {paper.title}"), encoding="utf-8")
    paths[2].write_text(
        json.dumps({"paper": paper.key, "command": command, "quick": quick, "rows": rows}, indent=1, default=str),
        encoding="utf-8",
    )
    return paths
