"""Set each measured number beside the published one and give it a verdict; then one verdict per table / figure.

A row *agrees* when the published value lies inside our 95% CI widened by the published value's own tolerance (half
a printed unit, or the uncertainty of a figure read-off); without a CI only that tolerance counts. It *differs*
otherwise, by how much. It is *not comparable* when the model is a stand-in, the data is not the paper's (fewer
images, another data set) or the toolkit measures a neighbouring quantity; the numbers are still shown. It is *not
run* when nothing was measured, with the reason ("needs X at Y", "no model plays DeiT-S", ...).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from intriguing.reproduce.extract import MEASURES, Measured, NotMeasured
from intriguing.reproduce.models import ROLES, is_paper_model, record_name
from intriguing.reproduce.plan import DATA, Step, Target
from intriguing.reproduce.published import Entry, Value

AGREES, DIFFERS, NOT_COMPARABLE, NOT_RUN = "agrees", "differs", "not comparable", "not run"


@dataclass
class StepOutcome:
    """What became of one step: its status, why, and what it left (records, manifest, failed models)."""

    step: Step
    status: str  # complete | failed | not run
    reason: str = ""
    folder: str = ""
    specs: dict[str, list[str]] = field(default_factory=dict)  # role -> specs that played it
    data_path: str = ""
    records: list[dict] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    seconds: Optional[float] = None
    skipped: bool = False  # finished by an earlier run, not run again
    unavailable: dict[str, str] = field(default_factory=dict)  # spec -> why the zoo cannot load it (left out)


@dataclass
class Row:
    value: Value
    role: str
    used: Optional[str]
    verdict: str
    reasons: list[str]
    measured: Optional[Measured] = None

    @property
    def diff(self) -> Optional[float]:
        return None if self.measured is None else self.measured.value - self.value.value

    @property
    def within(self) -> Optional[bool]:
        m = self.measured
        if m is None:
            return None
        lo, hi = m.ci if m.ci else (m.value, m.value)
        tol = self.value.tolerance
        return lo - tol <= self.value.value <= hi + tol


def _data_reasons(outcome: StepOutcome, quick: bool) -> list[str]:
    key = outcome.step.data_key(quick)
    spec = DATA.get(key or "")
    reasons = []
    if quick and outcome.step.quick_substitute:
        reasons.append(f"other data: {spec.name if spec else key} instead of the paper's")
    dataset = outcome.manifest.get("dataset", {})
    images = dataset.get("images")
    if spec and spec.images and isinstance(images, int) and images < spec.images:
        # the folder by name: an offline stand-in (Imagenette val: mostly ImageNet *train* images) is not ImageNet val
        where = f" of {dataset['root']}" if dataset.get("root") else ""
        reasons.append(f"{images:,} images{where} (the paper: {spec.images:,} of {spec.name})")
    return reasons


def rows_for(entry: Entry, target: Target, outcome: StepOutcome, quick: bool) -> list[Row]:
    """One row per (published value, model that played its role)."""
    rows: list[Row] = []
    data_reasons = _data_reasons(outcome, quick) if outcome.status != NOT_RUN else []
    for v in entry.values:
        specs = outcome.specs.get(v.model, [])
        if not specs:
            role = ROLES[v.model]
            why = role.note if not role.paper and role.note else f"no model plays {role.label}"
            rows.append(Row(v, v.model, None, NOT_RUN, [f"{why} (--map {v.model}=MODEL)"]))
            continue
        if outcome.status == NOT_RUN:
            rows.append(Row(v, v.model, specs[0], NOT_RUN, [outcome.unavailable.get(specs[0], outcome.reason)]))
            continue
        for spec in specs:
            rows.append(_row(v, spec, target, outcome, data_reasons, quick))
    return rows


def _row(v: Value, spec: str, target: Target, outcome: StepOutcome, data_reasons: list[str], quick: bool) -> Row:
    if spec in outcome.unavailable:
        return Row(v, v.model, spec, NOT_RUN, [outcome.unavailable[spec]])
    failed = outcome.manifest.get("failed_models", {})
    if spec in failed or record_name(spec) in failed:
        return Row(v, v.model, spec, NOT_RUN, [str(failed.get(spec) or failed.get(record_name(spec)))])
    condition = {k: val for k, val in v.condition.items() if k not in target.unfiltered}
    if quick:
        condition.update({k: val for k, val in outcome.step.quick_substitute.items() if k in condition})
    try:
        measured = MEASURES[target.measure](outcome.records, outcome.manifest, record_name(spec), condition)
    except NotMeasured as e:
        return Row(v, v.model, spec, NOT_RUN, [f"not measured: {e}"])
    reasons = [] if is_paper_model(v.model, spec) else [f"{spec} stood in for {ROLES[v.model].label}"]
    reasons += data_reasons
    if measured.caveat:
        reasons.append(measured.caveat)
    if target.unfiltered and ROLES[v.model].kind == "distilled":
        reasons.append("the toolkit scores a distilled model's output (the mean of both heads), the paper one token")
    row = Row(v, v.model, spec, NOT_COMPARABLE if reasons else AGREES, reasons, measured)
    if not reasons and not row.within:
        row.verdict = DIFFERS
    return row


@dataclass
class EntryVerdict:
    verdict: str
    detail: str


def entry_verdict(entry: Entry, rows: Sequence[Row], outcome: StepOutcome) -> EntryVerdict:
    """The table's / figure's verdict from its rows."""
    if not entry.values:
        ran = outcome.status != NOT_RUN
        return EntryVerdict(
            "no published number transcribed",
            (f"step {outcome.step.id} {outcome.status}" if ran else f"not run: {outcome.reason}"),
        )
    if all(r.verdict == NOT_RUN for r in rows):
        common = Counter(r.reasons[0] for r in rows if r.reasons).most_common(1)
        return EntryVerdict(NOT_RUN, common[0][0] if common else "")
    compared = [r for r in rows if r.verdict in (AGREES, DIFFERS)]
    if compared:
        bad = [r for r in compared if r.verdict == DIFFERS]
        if not bad:
            return EntryVerdict(AGREES, f"{len(compared)} of {len(rows)} rows compared, all agree")
        worst = max(bad, key=lambda r: abs(r.diff or 0.0))
        return EntryVerdict(
            DIFFERS,
            f"{len(bad)} of {len(compared)} compared rows differ; largest "
            f"{worst.diff:+.3g} {entry.unit} ({worst.value.label})",
        )
    reasons = Counter(x for r in rows if r.verdict == NOT_COMPARABLE for x in r.reasons)
    shown = "; ".join(k for k, _ in reasons.most_common(3))
    return EntryVerdict(NOT_COMPARABLE, shown + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else ""))


def judge(entry: Entry, target: Target, outcome: StepOutcome, quick: bool) -> tuple:
    """(rows, verdict) of one published entry."""
    rows = rows_for(entry, target, outcome, quick)
    return rows, entry_verdict(entry, rows, outcome)


def condition_text(condition: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in condition.items()) or "-"
